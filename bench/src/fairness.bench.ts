// `emo bench fairness`: does one tenant's backfill hold up another tenant's bulk job (ADR 014)?
// A local fleet (API + one worker process with one inference thread, result cache off, two API
// keys: two tenants of weight 1) measures, through the routes users call: B's bulk job of
// `bTexts` texts alone (POST /v1/jobs → completed; the median of a few runs); then A's backfill of
// `texts` chat lines through `emo backfill --fleet`, and once A is in steady state (its upload
// done, a tenth of it classified) B submits the same job again. A's throughput is taken from that
// moment to A's end, in that run and in a run of A without B, so the window holds the same texts.
// The same fleet with fair share off (FAIR_SHARE_ENABLED=false: one FIFO bulk queue) runs B alone
// and A with B too, side by side; B's texts are the same in every run (no cache, so all computed).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { packageRoot } from '@emo/model';
import { benchPrefix, purgeBenchPrefix } from './bench-prefix';
import { goEmotionsPath, loadGoEmotionsTexts, median, round } from './bench-data';
import { writeChatLog } from './chat-log-generator';
import { LocalFleet } from './local-fleet';

export interface FairnessBenchOptions {
  readonly config: AppConfig;
  /** Lines of A's backfill (default 200,000). */
  readonly texts: number;
  /** Texts of B's bulk job (default 5,000). */
  readonly bTexts: number;
  /** GoEmotions TSV the texts are drawn from (default: the train split for A, the dev split for B). */
  readonly data?: string;
  /** Runs of B alone per variant; the median is reported (default 3). */
  readonly bAloneRuns?: number;
  readonly log?: (message: string) => void;
}

const KEY_A = `bench-a-${randomUUID()}`;
const KEY_B = `bench-b-${randomUUID()}`;
const ENGINE_ENV = { INFERENCE_THREADS: '1', WORKER_INFERENCE_THREADS: '1', INTRA_OP_THREADS: '1', CACHE_ENABLED: 'false' };
/** A is in steady state once its upload is done and this share of it is classified. */
const STEADY_SHARE = 0.1;

/** A's backfill from the moment B was (or would have been) submitted to its end. */
interface ARun {
  readonly doneAtMark: number;
  readonly textsAfterMark: number;
  readonly secondsAfterMark: number;
  /** B's job submitted at the mark: submit → completed. */
  readonly bSeconds?: number;
  /** A was still running when B completed (B really competed with A all along). */
  readonly overlapped?: boolean;
}

interface Variant {
  readonly bAlone: number[];
  readonly aAlone?: ARun;
  readonly aWithB: ARun;
}

export async function benchFairness(opts: FairnessBenchOptions): Promise<Record<string, number | string>> {
  const log = opts.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'emo-bench-fairness-'));
  const load = [round(loadavg()[0])];
  try {
    const input = join(dir, 'a.ndjson');
    await writeChatLog(input, { messages: opts.texts, texts: loadGoEmotionsTexts(opts.data ?? goEmotionsPath('train')) });
    const pool = loadGoEmotionsTexts(opts.data ?? goEmotionsPath('dev'));
    const bTexts = Array.from({ length: opts.bTexts }, (_, i) => `${pool[i % pool.length]} (b${i})`);
    log(`A: ${opts.texts} chat lines in ${input}; B: ${bTexts.length} texts`);
    const run = (fairShare: boolean, withAAlone: boolean) =>
      runVariant({ ...opts, input, dir, bTexts, fairShare, withAAlone, log }).finally(() => load.push(round(loadavg()[0])));
    const fair = await run(true, true);
    const fifo = await run(false, false);
    const bAlone = median(fair.bAlone);
    const bAloneFifo = median(fifo.bAlone);
    const rate = (r: ARun | undefined) => (r ? r.textsAfterMark / r.secondsAfterMark : Number.NaN);
    return {
      suite: 'fairness',
      a_texts: opts.texts,
      b_texts: bTexts.length,
      workers: 1,
      inference_threads_per_worker: 1,
      cache: 'off',
      chunk_size: opts.config.fleet.jobChunkSize,
      worker_concurrency: opts.config.worker.workerConcurrency,
      b_alone_s: round(bAlone, 3),
      b_alone_runs_s: fair.bAlone.map((s) => round(s, 3)).join(' '),
      b_with_a_s: round(fair.aWithB.bSeconds as number, 3),
      b_with_a_vs_alone: round((fair.aWithB.bSeconds as number) / bAlone, 3),
      b_overlapped_a: fair.aWithB.overlapped ? 'yes' : 'no',
      a_done_at_b_submit: fair.aWithB.doneAtMark,
      a_texts_per_s_alone: round(rate(fair.aAlone)),
      a_texts_per_s_with_b: round(rate(fair.aWithB)),
      a_throughput_drop: round(1 - rate(fair.aWithB) / rate(fair.aAlone), 3),
      b_alone_s_fifo: round(bAloneFifo, 3),
      b_with_a_s_fifo: round(fifo.aWithB.bSeconds as number, 3),
      b_with_a_vs_alone_fifo: round((fifo.aWithB.bSeconds as number) / bAloneFifo, 3),
      a_texts_per_s_with_b_fifo: round(rate(fifo.aWithB)),
      load_average_1m: load.join(' → '),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface VariantOptions extends Omit<FairnessBenchOptions, 'bTexts'> {
  readonly input: string;
  readonly dir: string;
  readonly bTexts: readonly string[];
  readonly fairShare: boolean;
  readonly withAAlone: boolean;
  readonly log: (message: string) => void;
}

/** One fleet (fair share on or off): B alone, then A alone (if asked), then A with B. */
async function runVariant(v: VariantOptions): Promise<Variant> {
  const name = v.fairShare ? 'fair share' : 'FIFO';
  const prefix = benchPrefix(v.config, 'fairness');
  const fleet = await LocalFleet.start({
    config: v.config,
    prefix,
    redisUrl: v.config.runtime.redisUrl,
    apiKey: KEY_B,
    // LOG_LEVEL error: the API logs every 404 of the status polls before A's upload reaches it.
    env: { ...ENGINE_ENV, LOG_LEVEL: 'error', API_KEYS: `${KEY_A},${KEY_B}`, FAIR_SHARE_ENABLED: String(v.fairShare) },
    // Ready once a tiny job went through: the worker has loaded its model.
    warmUp: (base) => runJob(base, KEY_B, ['warm up']).then(() => undefined),
  });
  try {
    const { base } = fleet;
    v.log(`${name}: fleet up on ${base} (prefix ${prefix})`);
    await runJob(base, KEY_B, v.bTexts.slice(0, Math.min(2000, v.bTexts.length))); // warm-up
    const bAlone: number[] = [];
    for (let i = 0; i < (v.bAloneRuns ?? 3); i++) bAlone.push(await runJob(base, KEY_B, v.bTexts));
    v.log(`${name}: B alone ${bAlone.map((s) => round(s, 2)).join(', ')} s`);
    const aAlone = v.withAAlone ? await runA(fleet, v, 'a-alone') : undefined;
    if (aAlone) v.log(`${name}: A alone ${round(aAlone.textsAfterMark / aAlone.secondsAfterMark)} texts/s after the mark`);
    const aWithB = await runA(fleet, v, 'a-with-b', v.bTexts);
    v.log(
      `${name}: B with A ${round(aWithB.bSeconds as number, 2)} s; A ${round(aWithB.textsAfterMark / aWithB.secondsAfterMark)} texts/s after the mark`,
    );
    if (fleet.exits.length > 0) throw new AppError('INTERNAL', `fleet processes exited: ${fleet.exits.join(', ')}`);
    return { bAlone, aAlone, aWithB };
  } finally {
    await fleet.stop();
    await purgeBenchPrefix(v.config, prefix);
  }
}

/** A's backfill through `emo backfill --fleet`; at the steady-state mark, B's job if given. */
async function runA(fleet: LocalFleet, v: VariantOptions, id: string, bTexts?: readonly string[]): Promise<ARun> {
  const started = performance.now();
  const cli = emo([
    'backfill',
    v.input,
    '--fleet',
    fleet.base,
    '--api-key',
    KEY_A,
    '--backfill-id',
    id,
    '--id-field',
    'id',
    '--out',
    join(v.dir, `${id}.out.ndjson`),
    '--json',
    '--no-progress',
  ]);
  let ended = false;
  cli.catch(() => undefined).finally(() => (ended = true));
  // An upload bigger than the queue's room (BACKFILL_MAX_QUEUED_CHUNKS) streams at the workers' pace: steady without waiting for its end.
  const uploadPaced = v.texts > v.config.backfill.backfillMaxQueuedChunks * v.config.fleet.jobChunkSize;
  const steady = (s: BackfillStatusBody | undefined) =>
    s !== undefined && (s.upload.complete || uploadPaced) && s.done >= STEADY_SHARE * v.texts;
  try {
    let s = await backfillStatus(fleet.base, id);
    while (s?.state !== 'completed' && !steady(s)) {
      if (ended) await cli; // failed before steady state: its error
      await sleep(20);
      s = await backfillStatus(fleet.base, id);
    }
    // A backfill so small (--quick) that it ended before a status showed it steady: its whole run.
    const missed = s?.state === 'completed';
    const mark = missed ? started : performance.now();
    const doneAtMark = missed ? 0 : (s as BackfillStatusBody).done;
    const bSeconds = bTexts ? await runJob(fleet.base, KEY_B, bTexts) : undefined;
    const overlapped = bTexts ? (await backfillStatus(fleet.base, id))?.state !== 'completed' : undefined;
    while (s?.state !== 'completed') {
      await sleep(20);
      s = await backfillStatus(fleet.base, id);
    }
    const secondsAfterMark = Math.max((performance.now() - mark) / 1000, 0.05);
    const summary = await cli;
    if (summary.texts !== v.texts) throw new AppError('INTERNAL', `backfill ${id}: ${summary.texts} result lines for ${v.texts} lines`);
    return { doneAtMark, textsAfterMark: (s.total ?? v.texts) - doneAtMark, secondsAfterMark, bSeconds, overlapped };
  } finally {
    await cli.catch(() => undefined);
  }
}

interface BackfillStatusBody {
  readonly state: string;
  readonly upload: { readonly complete: boolean };
  readonly total?: number | null;
  readonly done: number;
}

/** The backfill's status; undefined while it does not exist yet (the upload has not reached the API). */
async function backfillStatus(base: string, id: string): Promise<BackfillStatusBody | undefined> {
  const res = await fetch(`${base}/v1/backfills/${id}`, { headers: { authorization: `Bearer ${KEY_A}` } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new AppError('INTERNAL', `GET /v1/backfills/${id} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as BackfillStatusBody;
}

/** One bulk job as tenant `key`: submit → completed, in seconds. */
async function runJob(base: string, key: string, texts: readonly string[]): Promise<number> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const started = performance.now();
  const res = await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ items: texts.map((text) => ({ text })) }) });
  if (res.status !== 202) throw new AppError('INTERNAL', `POST /v1/jobs answered ${res.status}: ${await res.text()}`);
  const { job_id: id } = (await res.json()) as { job_id: string };
  for (;;) {
    const status = await fetch(`${base}/v1/jobs/${id}`, { headers });
    const { state } = (await status.json()) as { state: string };
    if (state === 'completed') return (performance.now() - started) / 1000;
    await sleep(20);
  }
}

function emo(args: string[]): Promise<{ texts: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'emo.js'), ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new AppError('INTERNAL', `emo ${args[0]} exited with ${code}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as { texts: number; errors: number });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
