// Fleet processes of the chaos suite (`emo serve api|worker`). Each one is spawned by the suite;
// an exit the suite did not cause (a kill or stop it sent) is recorded as unexpected, with the
// process's last log lines, because no fault may make a process exit on its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from '../fleet/fleet-processes';
import { waitFor } from './chaos-timing';

export class FleetProc {
  readonly logs: string[] = [];
  readonly exited: Promise<void>;
  private expected = false;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    role: 'api' | 'worker',
    env: Record<string, string>,
    private readonly unexpectedExits: string[],
    netns?: string,
  ) {
    const node = [process.execPath, resolve(ROOT, 'bin/emo.js'), 'serve', role];
    const [cmd, ...args] = netns ? ['ip', 'netns', 'exec', netns, ...node] : node;
    this.child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let buffer = '';
    this.child.stderr!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      this.logs.push(...lines);
      if (this.logs.length > 4000) this.logs.splice(0, this.logs.length - 2000);
    });
    this.exited = new Promise((done) =>
      this.child.once('exit', (code, signal) => {
        if (!this.expected)
          this.unexpectedExits.push(
            `${this.name} exited on its own (${code ?? signal}); last log lines:\n${this.logs.slice(-15).join('\n')}`,
          );
        done();
      }),
    );
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async ready(message: string, timeoutMs = 120_000): Promise<this> {
    await waitFor(
      `${this.name} to log "${message}"`,
      () => {
        if (!this.alive) throw new Error(`${this.name} exited before ready:\n${this.logs.slice(-15).join('\n')}`);
        return this.logs.some((l) => l.includes(`"msg":"${message}"`)) ? true : undefined;
      },
      timeoutMs,
    );
    return this;
  }

  /**
   * Sum of every series of one metric on a worker's /metrics (its `worker ready` line names the
   * port; `host` is where that is reachable from here).
   */
  async metric(name: string, host = '127.0.0.1'): Promise<number> {
    const ready = this.logs.find((l) => l.includes('"msg":"worker ready"'));
    if (!ready) throw new Error(`${this.name} has no "worker ready" line`);
    const { metricsPort } = JSON.parse(ready) as { metricsPort: number };
    const text = await (await fetch(`http://${host}:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    let sum = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  }

  signal(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.expected = true;
    this.child.kill(signal);
  }

  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /** The graceful stop at the end of the suite (SIGCONT first, in case it is frozen). */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.expected = true;
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The fleet settings both fault suites run with (chaos.e2e-spec, cluster-failover.e2e-spec): tiny
 * model, small chunks, a short lock (`lockMs`) and short deadlines so faults resolve in seconds;
 * the caller adds where Redis is.
 */
export function faultSuiteEnv(o: { prefix: string; port: number; lockMs: number; apiKey: string; model: string }): Record<string, string> {
  return {
    QUEUE_PREFIX: o.prefix,
    MODEL_DIR: o.model,
    PORT: String(o.port),
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    INFERENCE_THREADS: '1',
    JOB_CHUNK_SIZE: '32',
    WORKER_CONCURRENCY: '8',
    WORKER_INTERACTIVE_CONCURRENCY: '8',
    WORKER_LOCK_DURATION_MS: String(o.lockMs),
    WORKER_SHUTDOWN_TIMEOUT_MS: '5000',
    JOB_ATTEMPTS: '3',
    CLASSIFY_DEADLINE_MS: '3000',
    CLASSIFY_RESULT_TTL_SECONDS: '900',
    REDIS_COMMAND_TIMEOUT_MS: '1000',
    CACHE_L2_TIMEOUT_MS: '200',
    API_KEYS: o.apiKey,
    LOG_LEVEL: 'info',
  };
}
