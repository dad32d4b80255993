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
