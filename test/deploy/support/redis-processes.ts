// Real redis-server processes started with a manifest's own container command and args (the start
// script, its requirepass handling, its policy), on a free loopback port and a temporary dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScriptContainer {
  command: string[];
  args?: string[];
}

/** Whether redis-server is installed here (CI installs it). */
export const redisServerInstalled = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

const bindable = (port: number) =>
  new Promise<number>((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => done(bound));
    });
  });

export const freePort = (): Promise<number> => bindable(0);

/** A free port whose cluster bus port (+10000) is free too, and not one of `avoid`. */
export async function freeClusterPort(avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 > 65535 || avoid.has(port)) continue;
    if (
      await bindable(port + 10000).then(
        () => true,
        () => false,
      )
    )
      return port;
  }
}

/** Resolves once something accepts connections on the port; fails if the process exits first. */
export async function untilListening(port: number, exited: Promise<number | null>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  for (let i = 0; i < 400; i++) {
    if (done) throw new Error('redis-server exited before it listened');
    const ok = await new Promise<boolean>((settle) => {
      const socket = connect(port, '127.0.0.1');
      const end = (v: boolean) => {
        socket.destroy();
        settle(v);
      };
      socket.once('connect', () => end(true)).once('error', () => end(false));
      socket.setTimeout(500, () => end(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

export interface RedisProcess {
  readonly port: number;
  /** Its working dir (AOF, nodes.conf): pass it to startRedis again to restart the same node. */
  readonly dir: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr(): string;
  /** SIGTERM, wait for the exit, remove the dir (unless keepDir). */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

/** Runs a container's command + args (plus a local port, bind and dir: a new one unless given) with REDIS_PASSWORD set. */
export function startRedis(
  c: ScriptContainer,
  password: string,
  port: number,
  dir = mkdtempSync(join(tmpdir(), 'deploy-redis-')),
): RedisProcess {
  const args = [...c.command.slice(1), ...(c.args ?? []), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
  const child = spawn(c.command[0], args, {
    env: { PATH: process.env.PATH, REDIS_PASSWORD: password },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    port,
    dir,
    child,
    exited,
    stderr: () => stderr,
    stop: async (options = {}) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a container's `sh -c` script to its end with `env`: exit code and output. */
export function runScript(c: ScriptContainer, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(c.command[0], [...c.command.slice(1), ...(c.args ?? [])], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, output }));
  });
}
