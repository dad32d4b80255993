// The local fleet of `emo bench backfill` (backfill.bench.ts): one API and worker processes
// (`emo serve api|worker`) on their own QUEUE_PREFIX, one inference thread each and the cache off,
// started per fleet run or once and resized between runs (--quick); the interactive calls sent beside
// a backfill (the 'mixed' run) and the API's peak RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { packageRoot } from '@emo/model';
import { benchPrefix, purgeBenchPrefix } from './bench-prefix';
import { stopChild } from './child-processes';

/** The one API key of every fleet of this run (API_KEYS, `emo backfill --api-key`, the probe). */
export const BACKFILL_API_KEY = `bench-${randomUUID()}`;
/** One inference thread with one intra-op thread per engine, cache off: the paths compared, not cache hits. */
export const ENGINE_ENV = { INFERENCE_THREADS: '1', WORKER_INFERENCE_THREADS: '1', INTRA_OP_THREADS: '1', CACHE_ENABLED: 'false' };

/** A local fleet on its own QUEUE_PREFIX: one API and worker processes (one inference thread each, cache off). */
export interface BackfillFleet {
  readonly prefix: string;
  readonly env: Record<string, string>;
  readonly base: string;
  readonly api: ChildProcess;
  readonly workers: ChildProcess[];
}

export async function startFleet(config: AppConfig, workers: number, log: (m: string) => void): Promise<BackfillFleet> {
  const prefix = benchPrefix(config, 'backfill');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...ENGINE_ENV,
    QUEUE_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    API_KEYS: BACKFILL_API_KEY,
    LOG_LEVEL: 'info',
    REDIS_URL: config.runtime.redisUrl,
    ...(config.engine.modelDir ? { MODEL_DIR: config.engine.modelDir } : {}),
    ...(config.engine.allowBenchmarkModel ? { ALLOW_BENCHMARK_MODEL: 'true' } : {}),
  };
  const children: ChildProcess[] = [];
  try {
    // API and workers start side by side (the clock starts once all are ready).
    const [api] = await Promise.all([
      serve('api', env, 'api listening', children),
      ...Array.from({ length: workers }, () => serve('worker', env, 'worker ready', children)),
    ]);
    const fleet: BackfillFleet = {
      prefix,
      env,
      base: `http://127.0.0.1:${api.port}`,
      api: api.child,
      workers: children.filter((c) => c !== api.child),
    };
    log(`fleet up on ${fleet.base} (prefix ${prefix}, ${workers} worker(s))`);
    return fleet;
  } catch (e) {
    await Promise.all(children.map((c) => stopChild(c)));
    await purgeBenchPrefix(config, prefix);
    throw e;
  }
}

/** Starts or stops workers until the fleet has `workers` of them. */
export async function resizeFleet(fleet: BackfillFleet, workers: number, log: (m: string) => void): Promise<BackfillFleet> {
  if (fleet.workers.length === workers) return fleet;
  while (fleet.workers.length > workers) await stopChild(fleet.workers.pop() as ChildProcess);
  const started: ChildProcess[] = [];
  try {
    await Promise.all(Array.from({ length: workers - fleet.workers.length }, () => serve('worker', fleet.env, 'worker ready', started)));
  } finally {
    fleet.workers.push(...started); // stopped with the fleet, ready or not
  }
  log(`fleet on ${fleet.base} now has ${workers} worker(s)`);
  return fleet;
}

export async function stopFleet(config: AppConfig, fleet: BackfillFleet): Promise<void> {
  await Promise.all([fleet.api, ...fleet.workers].map((c) => stopChild(c)));
  await purgeBenchPrefix(config, fleet.prefix);
}

/** Interactive traffic beside the backfill: one single-text /v1/classify call every 100 ms. */
export function interactiveProbe(base: string): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      const res = await fetch(`${base}/v1/classify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BACKFILL_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ texts: [`that was so kind of you, thanks ${i}`] }),
      }).catch(() => undefined);
      if (res?.ok) {
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies.sort((a, b) => a - b);
    },
  };
}

/** Peak resident set (VmHWM) of a live process, in MB (Linux). */
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

function serve(
  role: 'api' | 'worker',
  env: Record<string, string>,
  ready: string,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; port?: number }> {
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'emo.js'), 'serve', role], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new AppError('INTERNAL', `${role} not ready in 120 s`)), 120_000);
    child.stderr!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('"level":50') || line.includes('"level":60')) process.stderr.write(`${role}: ${line}\n`);
        if (line.includes(`"msg":"${ready}"`)) {
          clearTimeout(timer);
          resolve({ child, port: (JSON.parse(line) as { port?: number }).port });
        }
      }
    });
    child.once('exit', (code) => reject(new AppError('INTERNAL', `${role} exited with ${code} before ready`)));
  });
}
