// `emo bench scale`: horizontal scaling on one machine as the proxy for nodes. For 1, 2 and 3
// worker processes (one inference thread each, cache off) on the same Redis, one bulk job of N
// texts is queued at once and the time until every chunk is done (the drain time) is measured.
// The load average is recorded with every run: on a shared machine it says how many cores the
// workers really had.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '@emo/config';
import { AppError, DEFAULT_TENANT_ID } from '@emo/contracts';
import { packageRoot } from '@emo/model';
import { FleetClient } from '@emo/queue';
import { benchPrefix } from './bench-prefix';
import { goEmotionsPath, loadGoEmotionsTexts, median, round } from './bench-data';
import { stopChild } from './child-processes';

export interface ScaleBenchOptions {
  readonly config: AppConfig;
  readonly texts?: number;
  /** GoEmotions TSV the texts are drawn from (default: the train split). */
  readonly data?: string;
  readonly workerCounts?: readonly number[];
  readonly repeats?: number;
  /** Texts per chunk and chunks in flight per worker: many more chunks than one worker takes at once. */
  readonly chunkSize?: number;
  readonly concurrency?: number;
  /**
   * Keep the worker processes from one run to the next, starting only the ones a larger count adds
   * (`emo bench scale --quick`: 3 process starts instead of 6 per repeat). By default every run starts
   * fresh workers, so no run inherits another's warm processes.
   */
  readonly reuseWorkers?: boolean;
  readonly log?: (message: string) => void;
}

interface RunFigures {
  readonly drainMs: number;
  readonly workerCpuS: number;
  readonly load1Before: number;
  readonly load1After: number;
}

const CLOCK_TICKS = 100;

export async function benchScale(opts: ScaleBenchOptions): Promise<Record<string, number | string>> {
  const log = opts.log ?? (() => undefined);
  const n = opts.texts ?? 20_000;
  const counts = opts.workerCounts ?? [1, 2, 3];
  const repeats = opts.repeats ?? 2;
  const chunkSize = opts.chunkSize ?? 64;
  const concurrency = opts.concurrency ?? 8;
  const pool = loadGoEmotionsTexts(opts.data ?? goEmotionsPath('train'));
  const texts = Array.from({ length: n }, (_, i) =>
    i < pool.length ? pool[i] : `${pool[i % pool.length]} (${Math.floor(i / pool.length)})`,
  );
  const figures: Record<string, number | string> = {
    suite: 'scale',
    texts: n,
    chunk_size: chunkSize,
    chunks: Math.ceil(n / chunkSize),
    worker_concurrency: concurrency,
    inference_threads_per_worker: 1,
    repeats,
    cpus: availableParallelism(),
  };
  let base = 0;
  const shared = opts.reuseWorkers ? openPool(opts.config, chunkSize, concurrency) : undefined;
  try {
    for (const count of counts) {
      const runs: RunFigures[] = [];
      for (let r = 0; r < repeats; r++) {
        const pool = shared ?? openPool(opts.config, chunkSize, concurrency);
        try {
          await resizePool(pool, count);
          runs.push(await drainOnce(pool, texts));
        } catch (e) {
          log(`scale bench run with ${count} worker(s) failed: ${(e as Error).message}`);
          throw e;
        } finally {
          if (!shared) await closePool(pool);
        }
        log(`${count} worker(s), run ${r + 1}: ${round(runs[r].drainMs)} ms (load ${runs[r].load1Before} → ${runs[r].load1After})`);
      }
      const drainMs = median(runs.map((x) => x.drainMs));
      if (count === counts[0]) base = drainMs * counts[0];
      figures[`drain_s_${count}w`] = round(drainMs / 1000, 3);
      figures[`texts_per_s_${count}w`] = round(n / (drainMs / 1000));
      figures[`speedup_${count}w`] = round(base / drainMs, 3);
      figures[`worker_cpu_s_${count}w`] = round(median(runs.map((x) => x.workerCpuS)), 2);
      figures[`load1_${count}w`] = round(median(runs.map((x) => (x.load1Before + x.load1After) / 2)), 2);
    }
  } finally {
    if (shared) await closePool(shared);
  }
  return figures;
}

/** Worker processes on one fresh QUEUE_PREFIX (one inference thread each, cache off) and a client of their queue. */
interface WorkerPool {
  readonly env: Record<string, string>;
  readonly fleet: FleetClient;
  readonly workers: { child: ChildProcess; ready: Promise<void> }[];
}

function openPool(config: AppConfig, chunkSize: number, concurrency: number): WorkerPool {
  const prefix = benchPrefix(config, 'scale');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    QUEUE_PREFIX: prefix,
    REDIS_URL: config.runtime.redisUrl,
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    INFERENCE_THREADS: '1',
    INTRA_OP_THREADS: '1',
    CACHE_ENABLED: 'false',
    WORKER_CONCURRENCY: String(concurrency),
    JOB_CHUNK_SIZE: String(chunkSize),
  };
  if (config.engine.modelDir) env.MODEL_DIR = config.engine.modelDir;
  return {
    env,
    fleet: new FleetClient({
      ...config,
      runtime: { ...config.runtime, queuePrefix: prefix },
      fleet: { ...config.fleet, jobChunkSize: chunkSize },
    }),
    workers: [],
  };
}

/** Starts or stops workers until `count` run, and waits until all are ready. */
async function resizePool(pool: WorkerPool, count: number): Promise<void> {
  while (pool.workers.length > count) await stopChild((pool.workers.pop() as { child: ChildProcess }).child);
  while (pool.workers.length < count) pool.workers.push(startWorker(pool.env));
  await Promise.all(pool.workers.map((w) => w.ready));
}

async function closePool(pool: WorkerPool): Promise<void> {
  await Promise.all(pool.workers.map((w) => stopChild(w.child)));
  await pool.fleet.purge().finally(() => pool.fleet.close());
}

/** One bulk job of every text, queued at once; the time until its last chunk is done. */
async function drainOnce(pool: WorkerPool, texts: readonly string[]): Promise<RunFigures> {
  const { fleet, workers } = pool;
  const load1Before = round(loadavg()[0], 2);
  const cpuBefore = workers.reduce((s, w) => s + cpuSeconds(w.child), 0);
  const started = performance.now();
  const { jobId } = await fleet.producer.submit({ tenant: DEFAULT_TENANT_ID, items: texts.map((text) => ({ text })), priority: 'bulk' });
  for (;;) {
    const status = await fleet.producer.status(jobId, DEFAULT_TENANT_ID);
    if (status.state === 'completed') {
      if (status.succeeded !== texts.length)
        throw new AppError('INTERNAL', `scale bench: ${status.succeeded} of ${texts.length} texts succeeded`);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const drainMs = performance.now() - started;
  const workerCpuS = workers.reduce((s, w) => s + cpuSeconds(w.child), 0) - cpuBefore;
  return { drainMs, workerCpuS, load1Before, load1After: round(loadavg()[0], 2) };
}

/** A worker process; `ready` resolves on its "worker ready" log line. */
function startWorker(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'emo.js'), 'serve', 'worker'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new AppError('INTERNAL', 'worker not ready within 120 s')), 120_000);
    child.stderr?.on('data', (d: Buffer) => {
      buffered += d.toString();
      if (buffered.includes('"worker ready"')) {
        clearTimeout(timer);
        buffered = '';
        resolve();
      } else if (buffered.length > 1 << 16) buffered = buffered.slice(-4096);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new AppError('INTERNAL', `worker exited with ${code} before it was ready`));
    });
  });
  return { child, ready };
}

/** User + system CPU seconds of a live process (Linux /proc; 0 elsewhere). */
function cpuSeconds(child: ChildProcess): number {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
