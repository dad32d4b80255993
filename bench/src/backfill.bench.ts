// `emo bench backfill`: a generated chat log (temp dir, deleted after) classified several ways:
// `engine`: the in-process InferenceEngine over the log's texts (read, then classified in slices
// with two in flight: the model's throughput with no I/O around it); `local`: `emo backfill` without
// a fleet in a fresh process; `1` / `2`: through a local fleet with one / two worker processes
// (API + workers + `emo backfill --fleet`: upload → done → every result line written). Every engine
// gets one inference thread with one intra-op thread, and the result cache is off, so the figures
// compare the paths, not cache hits. Reports texts/s of each, the ratios, and the API's peak RSS
// (memory must not grow with the file).
// The fleet runs' processes: backfill-fleet.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { InferenceEngine } from '@emo/inference';
import { packageRoot } from '@emo/model';
import { goEmotionsPath, loadGoEmotionsTexts, percentile, round } from './bench-data';
import {
  BACKFILL_API_KEY,
  ENGINE_ENV,
  interactiveProbe,
  peakRssMb,
  resizeFleet,
  startFleet,
  stopFleet,
  type BackfillFleet,
} from './backfill-fleet';
import { writeChatLog } from './chat-log-generator';
import { classifyInChunks } from './chunked-feed';

export interface BackfillBenchOptions {
  readonly config: AppConfig;
  readonly lines: number;
  /** GoEmotions TSV the messages are drawn from (default: the train split). */
  readonly data?: string;
  /** Which runs to do (default engine, 1, 2): 'engine', 'local', '1', '2' (workers), 'mixed' (1 worker + /v1/classify every 100 ms). */
  readonly variants?: readonly string[];
  /**
   * One fleet for every fleet run, with workers started or stopped between runs (`emo bench backfill
   * --quick`: fewer process starts). By default every fleet run gets a fresh fleet, so none inherits
   * another's warm processes or learned batching parameters.
   */
  readonly reuseFleet?: boolean;
  readonly log?: (message: string) => void;
}

interface Run {
  readonly texts: number;
  readonly seconds: number;
  readonly apiPeakRssMb?: number;
  /** Single-text POST /v1/classify latencies (ms) sent every 100 ms while the backfill ran. */
  readonly interactiveMs?: number[];
}

export async function benchBackfill(opts: BackfillBenchOptions): Promise<Record<string, number | string>> {
  const log = opts.log ?? (() => undefined);
  const variants = opts.variants ?? ['engine', '1', '2'];
  const dir = mkdtempSync(join(tmpdir(), 'emo-bench-backfill-'));
  const load = [round(loadavg()[0])];
  try {
    const input = join(dir, 'chat.ndjson');
    await writeChatLog(input, { messages: opts.lines, texts: loadGoEmotionsTexts(opts.data ?? goEmotionsPath('train')) });
    log(`generated ${opts.lines} messages in ${input}`);
    const runs: Record<string, Run> = {};
    let shared: BackfillFleet | undefined;
    try {
      for (const v of variants) {
        if (v === 'engine') runs[v] = await runEngine(opts.config, input);
        else if (v === 'local') runs[v] = await runLocal(opts.config, input, dir);
        else if (v === '1' || v === '2' || v === 'mixed') {
          const workers = v === '2' ? 2 : 1;
          if (opts.reuseFleet) {
            shared = shared ? await resizeFleet(shared, workers, log) : await startFleet(opts.config, workers, log);
            runs[v] = await runFleet(shared, input, dir, v, v === 'mixed');
          } else {
            const fleet = await startFleet(opts.config, workers, log);
            try {
              runs[v] = await runFleet(fleet, input, dir, v, v === 'mixed');
            } finally {
              await stopFleet(opts.config, fleet);
            }
          }
        } else throw new AppError('CLI_USAGE', `--runs: "${v}" is not one of engine, local, 1, 2, mixed`);
        log(
          `${v === 'engine' ? 'in-process engine' : v === 'local' ? 'emo backfill (local)' : v === 'mixed' ? 'fleet, 1 worker + interactive calls' : `fleet, ${v} worker(s)`}: ${runs[v].texts} lines in ${round(runs[v].seconds)} s (${round(runs[v].texts / runs[v].seconds)} texts/s)`,
        );
        load.push(round(loadavg()[0]));
      }
    } finally {
      if (shared) await stopFleet(opts.config, shared);
    }
    const rate = (v: string) => (runs[v] ? round(runs[v].texts / runs[v].seconds) : Number.NaN);
    const figures: Record<string, number | string> = {
      suite: 'backfill',
      lines: opts.lines,
      inference_threads_per_engine: 1,
      intra_op_threads: 1,
      cache: 'off',
      engine_texts_per_s: rate('engine'),
      local_backfill_texts_per_s: rate('local'),
      backfill_texts_per_s_1_worker: rate('1'),
      backfill_texts_per_s_2_workers: rate('2'),
      backfill_vs_engine: round(rate('1') / rate('engine'), 3),
      two_vs_one_workers: round(rate('2') / rate('1'), 3),
      api_peak_rss_mb: Math.max(...Object.values(runs).map((r) => r.apiPeakRssMb ?? 0)),
      backfill_texts_per_s_1_worker_with_interactive: rate('mixed'),
      interactive_calls_during_backfill: runs.mixed?.interactiveMs?.length ?? 0,
      interactive_p50_ms_during_backfill: round(percentile(runs.mixed?.interactiveMs ?? [], 0.5)),
      interactive_p95_ms_during_backfill: round(percentile(runs.mixed?.interactiveMs ?? [], 0.95)),
      interactive_p95_target_ms: opts.config.batching.batchInteractiveP95TargetMs,
      load_average_1m: load.join(' → '),
    };
    // Figures of runs not asked for (NaN) are left out.
    return Object.fromEntries(Object.entries(figures).filter(([, v]) => typeof v === 'string' || Number.isFinite(v)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runEngine(config: AppConfig, input: string): Promise<Run> {
  const texts = readFileSync(input, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const engine = await InferenceEngine.create({ ...config, engine: { ...config.engine, inferenceThreads: 1, intraOpThreads: 1 } });
  try {
    await engine.classify(texts.slice(0, 512), { priority: 'bulk' });
    const started = performance.now();
    await classifyInChunks(engine, texts, 8192, 2);
    return { texts: texts.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    await engine.close();
  }
}

async function runLocal(config: AppConfig, input: string, dir: string): Promise<Run> {
  const env = {
    ...(process.env as Record<string, string>),
    ...ENGINE_ENV,
    LOG_LEVEL: 'warn',
    ...(config.engine.modelDir ? { MODEL_DIR: config.engine.modelDir } : {}),
    ...(config.engine.allowBenchmarkModel ? { ALLOW_BENCHMARK_MODEL: 'true' } : {}),
  };
  const started = performance.now();
  const summary = await emo(
    ['backfill', input, '--out', join(dir, 'local.out.ndjson'), '--id-field', 'id', '--json', '--no-progress'],
    env,
  );
  return { texts: summary.texts, seconds: (performance.now() - started) / 1000 };
}

/** `emo backfill --fleet` of the input through the fleet (backfill id and output named after the run). */
async function runFleet(fleet: BackfillFleet, input: string, dir: string, name: string, withInteractive: boolean): Promise<Run> {
  const started = performance.now();
  const probe = withInteractive ? interactiveProbe(fleet.base) : undefined;
  try {
    const summary = await emo(
      [
        'backfill',
        input,
        '--fleet',
        fleet.base,
        '--api-key',
        BACKFILL_API_KEY,
        '--backfill-id',
        `bench-${name}`,
        '--id-field',
        'id',
        '--out',
        join(dir, `fleet-${name}.out.ndjson`),
        '--json',
        '--no-progress',
      ],
      { ...fleet.env, LOG_LEVEL: 'warn' },
    );
    const seconds = (performance.now() - started) / 1000;
    return { texts: summary.texts, seconds, apiPeakRssMb: peakRssMb(fleet.api.pid as number), interactiveMs: await probe?.stop() };
  } finally {
    await probe?.stop(); // also when the backfill failed: the probe must not outlive the run
  }
}

function emo(args: string[], env: Record<string, string>): Promise<{ texts: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'emo.js'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new AppError('INTERNAL', `emo ${args[0]} exited with ${code}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as { texts: number; errors: number });
    });
  });
}
