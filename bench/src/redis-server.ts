// A redis-server of our own on a free loopback port (the soak benchmark and the chaos suite): its
// memory figures are ours alone, and it can be stopped, restarted (same dir: AOF replays) or
// frozen without touching the shared Redis. Needs the `redis-server` binary on PATH.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCacheRedis } from '@emo/cache';
import { AppError } from '@emo/contracts';
import { freePort } from './child-processes';

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
}

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
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
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
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

  async ping(timeoutMs = 1000): Promise<boolean> {
    const redis = createCacheRedis(this.url, timeoutMs);
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      redis.disconnect();
    }
  }

  /** One field of INFO (e.g. used_memory), as a number. */
  async info(field: string): Promise<number> {
    const redis = createCacheRedis(this.url, 2000);
    try {
      await redis.connect();
      const text = await redis.info();
      const m = new RegExp(`^${field}:(\\S+)`, 'm').exec(text);
      if (!m) throw new AppError('INTERNAL', `INFO has no ${field}`);
      return Number(m[1]);
    } finally {
      redis.disconnect();
    }
  }

  async dbsize(): Promise<number> {
    const redis = createCacheRedis(this.url, 2000);
    try {
      await redis.connect();
      return await redis.dbsize();
    } finally {
      redis.disconnect();
    }
  }

  /** Stops it (SIGTERM, SIGCONT first in case it is frozen) and deletes its dir. */
  async close(): Promise<void> {
    this.freeze(false);
    await this.stop('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
