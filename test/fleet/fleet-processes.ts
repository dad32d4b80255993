// Test helpers that run a real fleet: `node bin/emo.js serve api|worker` child processes under a
// unique QUEUE_PREFIX, with readiness read from their JSON log lines on stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const TINY_MODEL = resolve(ROOT, 'test/fixtures/models/tiny-softmax');

export interface FleetProcess {
  readonly child: ChildProcess;
  readonly logs: string[];
  readonly exited: Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Spawns `emo serve <role>` and resolves once it logs `readyMessage`. */
export async function spawnServe(role: 'api' | 'worker', env: Record<string, string>, readyMessage: string, timeoutMs = 30_000): Promise<FleetProcess> {
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/emo.js'), 'serve', role], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const logs: string[] = [];
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${role} not ready in ${timeoutMs} ms:\n${logs.join('\n')}`)), timeoutMs);
    let buffer = '';
    child.stderr!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        if (line.includes(`"msg":"${readyMessage}"`)) {
          clearTimeout(timer);
          ready();
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`${role} exited with ${code} before ready:\n${logs.join('\n')}`));
    });
  });
  return { child, logs, exited };
}

export async function stopAll(processes: readonly (FleetProcess | undefined)[]): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (!p || p.child.exitCode !== null) return;
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
      await p.exited;
      clearTimeout(timer);
    }),
  );
}
