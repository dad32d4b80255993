// Vitest global setup: builds the bundles that tests spawn (inference worker thread, the
// `emo` CLI) and finds out whether the test Redis answers. With REQUIRE_REDIS=1 (CI) a
// missing Redis fails the run instead of letting Redis suites skip.
import { execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    redisAvailable: boolean;
  }
}

function ping(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  return new Promise((done) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => finish(d.toString().startsWith('+PONG')));
  });
}

export default async function setup(project: TestProject): Promise<void> {
  const root = resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [resolve(root, 'tools/build/build.mjs')], { stdio: 'inherit', cwd: root });
  const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisAvailable = await ping(redisUrl);
  if (!redisAvailable && process.env.REQUIRE_REDIS === '1') {
    throw new Error(`REQUIRE_REDIS=1 but Redis at ${redisUrl} does not answer PING`);
  }
  project.provide('redisUrl', redisUrl);
  project.provide('redisAvailable', redisAvailable);
}
