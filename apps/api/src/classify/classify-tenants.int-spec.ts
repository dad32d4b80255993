// Issue 15 (isolation) on POST /v1/classify, real Redis, two API keys (two tenants), no worker:
// the job behind a call belongs to the caller's tenant, and the result cache stays shared (a call
// joins a text another tenant's call computes) without showing that call's job to the joiner.
import { randomUUID } from 'node:crypto';
import { advertiseModel, createCacheRedis } from '@emo/cache';
import { describe, expect, it } from 'vitest';
import { testAuth as authA, testAuthB as authB, testTwoTenantsEnv, useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets } from '../testing/redis-targets';

const model = {
  name: 'fake',
  revision: 'rev1',
  thresholdsVersion: 'default',
  labels: ['negative', 'neutral', 'positive'],
  precision: 'fp32',
  maxLength: 128,
};

describe.each(apiRedisTargets())('POST /v1/classify of two tenants, on $name', ({ available, env, endpoint }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('classify-tenants', { ...env, ...testTwoTenantsEnv });
  const classify = (auth: Record<string, string>, texts: string[]) =>
    h.request({ method: 'POST', url: '/v1/classify', payload: { texts }, headers: auth });

  it("makes the caller's tenant own the call's job: A reads it after a 504, B gets 404", async () => {
    await h.start({ CLASSIFY_DEADLINE_MS: '100', CACHE_ENABLED: 'false' });
    const late = await classify(authA, ['late']);
    expect(late.statusCode).toBe(504);
    const jobId = late.json().error.details.job_id as string;
    expect((await h.request({ method: 'GET', url: `/v1/jobs/${jobId}`, headers: authA })).statusCode).toBe(200);
    const foreign = await h.request({ method: 'GET', url: `/v1/jobs/${jobId}/results`, headers: authB });
    expect([foreign.statusCode, foreign.json().error.code]).toEqual([404, 'JOB_NOT_FOUND']);
  });

  it("shares the cache across tenants, but B's 504 while joining A's text names no job of A", async () => {
    // A worker advertised its model once (and is gone now): the API keys texts and coalesces them.
    const prefix = `test-classify-tenants-${randomUUID().slice(0, 8)}`;
    const redis = createCacheRedis(endpoint, 500);
    await redis.connect();
    await advertiseModel(redis, prefix, model);
    await redis.quit();
    // CACHE_API_LOOKUP=always: A's first call takes the lookup path, so its text is in flight to join.
    const lookup = { CACHE_API_LOOKUP: 'always' };
    await h.start({ QUEUE_PREFIX: prefix, CLASSIFY_DEADLINE_MS: '1500', API_ADMIN_KEYS: testTwoTenantsEnv.API_KEYS, ...lookup });
    const first = classify(authA, ['shared text']);
    // A's chunk is queued: its text is in flight in the API cache, so B's call joins it.
    await expect.poll(async () => (await h.api.fleet.queues.counts('interactive')).backlog, { timeout: 1000, interval: 10 }).toBe(1);
    const second = classify(authB, ['shared text']);
    const [a, b] = await Promise.all([first, second]);
    const stats = (await h.request({ method: 'GET', url: '/v1/cache/stats', headers: authA })).json();
    expect(stats).toMatchObject({ coalesced: 1 }); // B did join A's computation: one job for both
    expect((await h.api.fleet.queues.counts('interactive')).backlog).toBe(1);
    const jobOfA = a.json().error.details.job_id as string;
    expect([a.statusCode, b.statusCode, b.json().error.code]).toEqual([504, 504, 'DEADLINE_EXCEEDED']);
    expect(b.body).not.toContain(jobOfA);
  });
});
