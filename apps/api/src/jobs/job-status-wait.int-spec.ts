// GET /v1/jobs/{id}?wait_ms= on the real Redis (one Redis, and the test cluster when there is one):
// the long poll answers once the fleet's "finished" channel says the job ended. And the API's close
// (SIGTERM): requests in flight finish, a held status call answers at once, and a request that would
// never finish is cut after API_SHUTDOWN_GRACE_MS, so the close always ends.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { createCacheRedis, unlinkMatching } from '@emo/cache';
import { loadConfig } from '@emo/config';
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { createLogger } from '@emo/profiler';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createApiApp, type ApiApp } from '../api-app';
import { TEST_API_KEY, testAuth, useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets } from '../testing/redis-targets';
import { JobsService } from './jobs.service';

const fake: Classifier = {
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    return texts.map(() => ({ labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' }));
  },
};

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `m${i}`, text: `text number ${i}` }));

describe.each(apiRedisTargets())('job status long poll, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('status-wait', { ...env, JOB_CHUNK_SIZE: '2', CACHE_ENABLED: 'false' });

  it('holds the status call until a consumer has finished the job, then answers it completed; refuses a wait past the cap', async () => {
    await h.start();
    const created = await h.request({ method: 'POST', url: '/v1/jobs', payload: { items: items(5) }, headers: testAuth });
    const id = created.json().job_id as string;
    const bad = await h.request({ method: 'GET', url: `/v1/jobs/${id}?wait_ms=30001`, headers: testAuth });
    expect([bad.statusCode, bad.json().error.code]).toEqual([422, 'REQUEST_INVALID']);
    // Nothing runs the job until the consumer starts, after the call went out: one answer, the final one.
    const held = h.request({ method: 'GET', url: `/v1/jobs/${id}?wait_ms=30000`, headers: testAuth });
    h.startConsumer(fake, { interactive: 1, bulk: 1 });
    const answer = await held;
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ job_id: id, state: 'completed', total: 5, done: 5, failed: 0 });
  });
});

describe.skipIf(!inject('redisAvailable'))('closing the API (SIGTERM)', () => {
  const prefixes: string[] = [];
  // The apps are closed by the tests (their fleets with them): their keys are deleted here.
  afterAll(async () => {
    const redis = createCacheRedis(inject('redisUrl'), 1000);
    await redis.connect();
    try {
      for (const prefix of prefixes) await unlinkMatching(redis, `${prefix}*`);
    } finally {
      redis.disconnect();
    }
  });

  /** An API of its own on a free port (closed by the test itself), with no consumer: jobs stay queued. */
  async function listening(env: Record<string, string> = {}): Promise<{ api: ApiApp; port: number }> {
    const prefix = `test-api-close-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    const config = loadConfig({
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      API_KEYS: TEST_API_KEY,
      LOG_LEVEL: 'silent',
      CACHE_ENABLED: 'false',
      ...env,
    });
    const api = await createApiApp(config, { logger: createLogger({ level: 'silent' }) });
    await api.app.listen(0, '127.0.0.1');
    return { api, port: (api.app.getHttpServer().address() as AddressInfo).port };
  }

  it('answers a held status call at once (not after its wait_ms), and the close ends', async () => {
    const { api, port } = await listening();
    const created = await api.app.inject({ method: 'POST', url: '/v1/jobs', payload: { items: items(3) }, headers: testAuth });
    const id = created.json().job_id as string;
    const held = fetch(`http://127.0.0.1:${port}/v1/jobs/${id}?wait_ms=30000`, { headers: testAuth });
    const jobs = api.app.get(JobsService);
    await expect.poll(() => jobs.heldStatusCalls, { timeout: 10_000 }).toBe(1);
    // Were the call held to its wait_ms, or its keep-alive connection left open, this close would not end in the test's 30 s.
    const closed = api.close();
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('connection')).toBe('close');
    expect(await answer.json()).toMatchObject({ job_id: id, state: 'queued', done: 0 });
    await closed;
    expect(jobs.heldStatusCalls).toBe(0);
  });

  it('cuts a request that never finishes once API_SHUTDOWN_GRACE_MS has passed', async () => {
    const { api, port } = await listening({ API_SHUTDOWN_GRACE_MS: '300' });
    const server = api.app.getHttpServer();
    // An upload that stalls: headers and a tenth of the body it announces.
    const socket = connect(port, '127.0.0.1');
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(
      `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"items":[`,
    );
    await expect.poll(() => new Promise((r) => server.getConnections((_e, n) => r(n))), { timeout: 10_000 }).toBe(1);
    await api.close(); // ends only because the stalled connection is cut
    await ended;
    expect(socket.destroyed).toBe(true);
  });
});
