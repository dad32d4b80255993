// A local fleet for the benchmarks that measure the fleet end to end (`emo bench fleet`, `emo bench
// soak`): one API and one worker process (`emo serve api|worker`) on a free loopback port, under the
// caller's QUEUE_PREFIX and Redis, with one API key, started and stopped the same way by both, so
// their figures are taken on the same fleet.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { packageRoot } from '@emo/model';
import { freePort, stopChild } from './child-processes';

export interface LocalFleetOptions {
  readonly config: Pick<AppConfig, 'engine'>;
  /** QUEUE_PREFIX of both processes (the caller deletes its keys, or owns the Redis). */
  readonly prefix: string;
  /** REDIS_URL of both processes. */
  readonly redisUrl: string;
  /** The one key of API_KEYS. */
  readonly apiKey: string;
  /** More environment for both processes (CACHE_REDIS_URL, lowered retention, …); wins over the defaults. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Run once /readyz answers, before `start` resolves: what the caller needs to call the fleet
   * ready (the fleet bench sends one tiny job so the worker has loaded its model).
   */
  readonly warmUp?: (base: string) => Promise<void>;
  readonly readyTimeoutMs?: number;
  /** Checkout whose built bin/emo.js serves the fleet (default: this one): `emo bench interactive --against`. */
  readonly root?: string;
}

export class LocalFleet {
  /** Exits that `stop()` did not cause ("api exited (1)"): a run must not end with any. */
  readonly exits: string[] = [];
  private stopping = false;

  private constructor(
    readonly base: string,
    readonly api: ChildProcess,
    readonly worker: ChildProcess,
  ) {
    for (const [name, child] of [
      ['api', api],
      ['worker', worker],
    ] as const) {
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.exits.push(`${name} exited (${code ?? signal})`);
      });
    }
  }

  /** Spawns the API and the worker and resolves once the fleet is ready; stops both if it never is. */
  static async start(opts: LocalFleetOptions): Promise<LocalFleet> {
    const port = await freePort();
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      QUEUE_PREFIX: opts.prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      API_KEYS: opts.apiKey,
      LOG_LEVEL: 'warn',
      REDIS_URL: opts.redisUrl,
      ...(opts.config.engine.modelDir ? { MODEL_DIR: opts.config.engine.modelDir } : {}),
      ...(opts.config.engine.allowBenchmarkModel ? { ALLOW_BENCHMARK_MODEL: 'true' } : {}),
      ...opts.env,
    };
    const fleet = new LocalFleet(`http://127.0.0.1:${port}`, serve(opts.root, 'api', env), serve(opts.root, 'worker', env));
    try {
      await fleet.waitReady(opts.readyTimeoutMs ?? 60_000, opts.warmUp);
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  /** SIGTERM to both (each drains), SIGKILL past the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([stopChild(this.api), stopChild(this.worker)]);
  }

  private async waitReady(timeoutMs: number, warmUp?: (base: string) => Promise<void>): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      if (this.exits.length > 0) throw new AppError('INTERNAL', `fleet at ${this.base} did not start: ${this.exits.join(', ')}`);
      try {
        if ((await fetch(`${this.base}/readyz`)).ok) {
          // A warm-up that fails (the worker not consuming yet) is tried again, like /readyz.
          await warmUp?.(this.base);
          return;
        }
      } catch (e) {
        last = e; // not listening yet
      }
      if (Date.now() > end)
        throw new AppError(
          'INTERNAL',
          `fleet at ${this.base} not ready within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** `root`: another checkout, run from its own directory; none: this one, from the caller's directory. */
function serve(root: string | undefined, role: 'api' | 'worker', env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(root ?? packageRoot(), 'bin', 'emo.js'), 'serve', role], {
    ...(root ? { cwd: root } : {}),
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
