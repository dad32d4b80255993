// The processes of `emo bench control-plane`: one API (`emo serve api`) and N workers (`emo serve
// worker`, INFERENCE_BACKEND=stub: a fixed-cost engine, no model) on one Redis, started from the
// built CLI like a deployment starts them, ready once /readyz answers and every worker has logged
// "worker ready"; with the CPU seconds each has used so far (/proc/<pid>/stat).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '@emo/contracts';
import { packageRoot } from '@emo/model';
import { freePort, stopChild } from './child-processes';

export interface ControlPlaneFleetOptions {
  readonly workers: number;
  /** Environment of every process: the Redis (REDIS_URL or REDIS_CLUSTER_NODES), QUEUE_PREFIX, API_KEYS, stub costs, … */
  readonly env: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
}

/** Variables of the caller's environment that would point a process at another Redis or config. */
const INHERITED_REDIS = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'CACHE_REDIS_URL', 'CACHE_REDIS_CLUSTER_NODES', 'EMO_CONFIG_FILE'];

export class ControlPlaneFleet {
  readonly exits: string[] = [];
  private stopping = false;

  private constructor(
    readonly base: string,
    readonly api: ChildProcess,
    readonly workers: readonly ChildProcess[],
  ) {
    for (const [name, child] of [['api', api] as const, ...workers.map((w, i) => [`worker ${i + 1}`, w] as const)])
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.exits.push(`${name} exited (${code ?? signal})`);
      });
  }

  static async start(opts: ControlPlaneFleetOptions): Promise<ControlPlaneFleet> {
    const port = await freePort();
    const inherited = { ...(process.env as Record<string, string>) };
    for (const k of INHERITED_REDIS) delete inherited[k];
    const env = { ...inherited, HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: '0', ...opts.env };
    const workerEnv = { ...env, LOG_LEVEL: 'info' }; // "worker ready" is an info line
    const workers = Array.from({ length: opts.workers }, () => serve('worker', workerEnv));
    const fleet = new ControlPlaneFleet(`http://127.0.0.1:${port}`, serve('api', env), workers);
    try {
      await Promise.all([
        fleet.apiReady(opts.readyTimeoutMs ?? 180_000),
        ...workers.map((w) => workerReady(w, opts.readyTimeoutMs ?? 180_000)),
      ]);
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  /** CPU seconds (user + system) of the API and of all workers together, so far. */
  cpuSeconds(): { api: number; workers: number } {
    return { api: processCpuSeconds(this.api.pid), workers: this.workers.reduce((s, w) => s + processCpuSeconds(w.pid), 0) };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.api, ...this.workers].map((c) => stopChild(c)));
  }

  private async apiReady(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.exits.length > 0) throw new AppError('INTERNAL', `control-plane fleet did not start: ${this.exits.join(', ')}`);
      const ok = await fetch(`${this.base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > end) throw new AppError('INTERNAL', `API at ${this.base} not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function serve(role: 'api' | 'worker', env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(packageRoot(), 'bin', 'emo.js'), 'serve', role], {
    env,
    stdio: ['ignore', 'ignore', role === 'api' ? 'inherit' : 'pipe'],
  });
}

/** Resolves on the worker's "worker ready" line; its later stderr is drained (warnings and errors are passed on). */
function workerReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let ready = false;
    const timer = setTimeout(
      () => reject(new AppError('INTERNAL', `worker not ready within ${timeoutMs} ms: ${buffered.slice(-2000)}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      for (const line of text.split('\n'))
        if (/"level":(4|5)\d/.test(line) && !line.includes('INFERENCE_BACKEND=stub')) process.stderr.write(`${line}\n`);
      if (ready) return;
      buffered = (buffered + text).slice(-1 << 16);
      if (/"level":(5|6)\d/.test(text)) {
        clearTimeout(timer);
        reject(new AppError('INTERNAL', `worker failed to start: ${buffered.slice(-2000)}`));
      }
      if (buffered.includes('"worker ready"')) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new AppError('INTERNAL', `worker exited with ${code} before it was ready: ${buffered.slice(-2000)}`));
    });
  });
}

/** User + system CPU seconds of a live process (Linux /proc; every thread; NaN elsewhere). */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}
