// A redis-server of our own on a free loopback port: the test Redis of the vitest global setup
// (tools/testing/test-redis.ts) where no container runtime answers, the soak benchmark and the chaos
// suite. Its memory figures are ours alone, and it can be stopped, restarted (same dir: AOF replays)
// or frozen without touching anyone else's Redis. `RedisServer.start({ port?, ... })` resolves once it
// answers PING, with `url`, `port`, `stop()` (a crash or a clean stop, restartable) and `close()` (stop
// and delete its dir). It never outlives the process that started it: killed on that process's exit,
// and by a watchdog shell if that process is SIGKILLed. Needs the `redis-server` binary on PATH; loads
// nothing but node builtins, @emo/contracts and the RESP helper (the global setup imports it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@emo/contracts';
import { freePort } from './child-processes';
import { redisCommand } from './redis-command';

export interface RedisServerOptions {
  /** Port to listen on (default: a free one, kept across restarts). */
  readonly port?: number;
  /** Addresses to bind (default 127.0.0.1); the first is the one in `url`. */
  readonly bind?: readonly string[];
  /** Append-only file on (survives a restart; default off). */
  readonly appendOnly?: boolean;
  /** `maxmemory-policy` (default noeviction, what BullMQ needs). */
  readonly maxmemoryPolicy?: string;
  /** `maxmemory` in bytes (default 0: no limit). */
  readonly maxmemoryBytes?: number;
  /** More redis-server arguments, after ours (e.g. `--cluster-enabled yes` for a cluster node). */
  readonly extraArgs?: readonly string[];
}

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The installed redis-server's version (e.g. 7.0.15), or undefined when there is none. */
export function redisServerVersion(): string | undefined {
  const run = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (run.status !== 0) return undefined;
  return /v=(\S+)/.exec(run.stdout)?.[1] ?? run.stdout.trim();
}

/**
 * Makes sure `child` does not outlive this process: SIGKILL on this process's 'exit' (teardown that
 * never ran, an uncaught error) and a detached watchdog shell that kills it within a second of this
 * process vanishing without running any handler (SIGKILL). Both go away with the child.
 */
function tieToThisProcess(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const onExit = () => child.kill('SIGKILL');
  process.on('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  const watchdog = spawn(
    'sh',
    ['-c', 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -KILL "$2" 2>/dev/null', 'sh'].concat(
      String(process.pid),
      String(child.pid),
    ),
    { detached: true, stdio: 'ignore' },
  );
  watchdog.on('error', () => undefined); // no sh: the 'exit' handler still covers a normal exit
  watchdog.unref();
}

export class RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly opts: RedisServerOptions,
  ) {}

  /** Starts one; resolves once it answers PING. */
  static async start(opts: RedisServerOptions = {}): Promise<RedisServer> {
    if (!redisServerInstalled()) throw new AppError('INTERNAL', 'redis-server is not installed (apt-get install -y redis-server)');
    const server = new RedisServer(opts.port ?? (await freePort()), mkdtempSync(join(tmpdir(), 'emo-redis-')), opts);
    await server.restart();
    return server;
  }

  get host(): string {
    return this.opts.bind?.[0] ?? '127.0.0.1';
  }

  get url(): string {
    return this.urlAt(this.host);
  }

  /** The URL through one of its bound addresses. */
  urlAt(address: string): string {
    return `redis://${address}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** (Re)starts it in the same dir and port: with AOF on, what was written comes back. */
  async restart(timeoutMs = 15_000): Promise<void> {
    if (this.running) return;
    const args = [
      '--port',
      String(this.port),
      '--bind',
      ...(this.opts.bind ?? [this.host]),
      '--save',
      '',
      '--dir',
      this.dir,
      '--appendonly',
      this.opts.appendOnly ? 'yes' : 'no',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      this.opts.maxmemoryPolicy ?? 'noeviction',
      '--maxmemory',
      String(this.opts.maxmemoryBytes ?? 0),
      '--protected-mode',
      'no',
      '--loglevel',
      'warning',
      ...(this.opts.extraArgs ?? []),
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (e) => (stderr += e.message)); // shows up below as a server that exited at start
    tieToThisProcess(child);
    this.child = child;
    this.exited = new Promise((done) => child.once('exit', () => done()));
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new AppError('INTERNAL', `redis-server on port ${this.port} exited at start: ${stderr}`);
      if (await this.ping()) return;
      if (Date.now() > end)
        throw new AppError('INTERNAL', `redis-server on port ${this.port} did not answer within ${timeoutMs} ms: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL (a crash: only what the AOF already holds survives) or SIGTERM; resolves once it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  /** SIGSTOP / SIGCONT: a hung Redis (connections stay open, nothing answers). */
  freeze(on: boolean): void {
    if (this.running) this.child!.kill(on ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Whether it answers PING (a NOAUTH refusal, with `--requirepass` in extraArgs, counts as an answer). */
  async ping(timeoutMs = 1000): Promise<boolean> {
    return redisCommand(this.url, ['PING'], timeoutMs).then(
      (reply) => reply === 'PONG',
      (e: Error) => e.message.startsWith('NOAUTH'),
    );
  }

  /** One field of INFO (e.g. used_memory), as a number. */
  async info(field: string): Promise<number> {
    const text = String(await redisCommand(this.url, ['INFO'], 2000));
    const m = new RegExp(`^${field}:(\\S+)`, 'm').exec(text);
    if (!m) throw new AppError('INTERNAL', `INFO has no ${field}`);
    return Number(m[1]);
  }

  async dbsize(): Promise<number> {
    return Number(await redisCommand(this.url, ['DBSIZE'], 2000));
  }

  /** Stops it (SIGTERM, SIGCONT first in case it is frozen) and deletes its dir. */
  async close(): Promise<void> {
    this.freeze(false);
    await this.stop('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
