// The fleet the browser suite looks at: `node bin/emo.js serve api` and `serve worker` child
// processes (the bundle a deployment runs) on one env, each ready once it logs its ready line;
// stopped with SIGTERM (SIGKILL after 15 s), then every key under the fleet's prefix is deleted.
// (test/fleet/fleet-processes.ts does the same for the e2e project; projects do not import each other.)
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { loadConfig } from '@emo/config';
import { FleetClient } from '@emo/queue';

export const ROOT = resolve(import.meta.dirname, '../..');
export const TINY_MODEL = resolve(ROOT, 'test/fixtures/models/tiny-softmax');

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly logs: string[];
  readonly exited: Promise<number | null>;
}

async function serve(role: 'api' | 'worker', env: Record<string, string>, ready: string, timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/emo.js'), 'serve', role], {
    cwd: ROOT,
    env: { ...process.env, CACHE_REDIS_URL: env.REDIS_URL, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${role} not ready in ${timeoutMs} ms:\n${logs.join('\n')}`)), timeoutMs);
    let buffer = '';
    child.stderr!.on('data', (d: Buffer) => {
      const lines = (buffer + d.toString()).split('\n');
      buffer = lines.pop() ?? '';
      logs.push(...lines);
      if (lines.some((line) => line.includes(`"msg":"${ready}"`))) {
        clearTimeout(timer);
        done();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`${role} exited with ${code} before ready:\n${logs.join('\n')}`));
    });
  });
  return { child, logs, exited };
}

/** One API and one worker on `env` (REDIS_URL, QUEUE_PREFIX, PORT, … required). */
export async function startBrowserFleet(env: Record<string, string>): Promise<ServeProcess[]> {
  const started = await Promise.allSettled([serve('api', env, 'api listening'), serve('worker', env, 'worker ready')]);
  const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopBrowserFleet(up, env.REDIS_URL, env.QUEUE_PREFIX);
    throw failed.reason;
  }
  return up;
}

export async function stopBrowserFleet(processes: readonly ServeProcess[], redisUrl: string, prefix: string): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (p.child.exitCode !== null) return;
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
      await p.exited;
      clearTimeout(timer);
    }),
  );
  const fleet = new FleetClient(loadConfig({ REDIS_URL: redisUrl }, { queuePrefix: prefix }));
  try {
    await fleet.purge();
  } finally {
    await fleet.close();
  }
}
