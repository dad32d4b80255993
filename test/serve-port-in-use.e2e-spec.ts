// `emo serve` whose port is taken by another process: the role that cannot bind fails the start with
// PORT_IN_USE naming the setting, what was already open (Redis connections, inference threads, the
// worker of `serve all`) is closed, and the process ends by itself with exit 1 instead of idling
// unbound. A process that kept running is killed by the spawn's timeout, and that fails the test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stopFleet } from './fleet/fleet-processes';
import { ROOT, TINY_MODEL } from './support/run-emo';

const dir = mkdtempSync(join(tmpdir(), 'emo-serve-port-'));
const prefix = `t-port-in-use-${process.pid}`;
let taken: Server;
let port: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
  port = (taken.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((done) => taken.close(done));
  rmSync(dir, { recursive: true, force: true });
  if (inject('redisAvailable')) await stopFleet([], inject('redisUrl'), prefix);
});

function serve(role: string, extra: Record<string, string>) {
  return spawnSync(process.execPath, [resolve(ROOT, 'bin/emo.js'), 'serve', role], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      MODEL_DIR: TINY_MODEL,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      PORT: '0',
      METRICS_PORT: '0',
      INFERENCE_THREADS: '1',
      OPTIMIZED_MODEL_CACHE_DIR: join(dir, 'ort'),
      ...extra,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe.skipIf(!inject('redisAvailable'))('emo serve on a port that is taken', () => {
  it.each([
    ['api', 'PORT'],
    ['worker', 'METRICS_PORT'],
    ['all', 'PORT'],
  ])(
    'serve %s with %s taken: PORT_IN_USE, everything opened is closed, exit 1',
    (role, setting) => {
      const run = serve(role, { [setting]: String(port) });
      expect(run.signal).toBeNull(); // it ended by itself
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`emo: PORT_IN_USE: cannot listen on 127.0.0.1:${port} (${setting}): EADDRINUSE`);
    },
    90_000,
  );
});
