// issue 15 (3): per-tenant quotas on the real Redis. Before, every API key shared one fleet with
// no limit of its own: one tenant could fill the queue and spend every worker's time. Now a
// tenant has a rate in texts per second (a token bucket in Redis, shared by every API pod; 429
// RATE_LIMITED with Retry-After, RateLimit and RateLimit-Policy) and a share of the backlog
// (TENANT_BACKLOG_FULL), while other tenants are still admitted. The bucket's clock is passed in
// (`now`), so verdicts follow from the figures, not from how fast this machine runs. Runs on the one
// test Redis and on the test Redis Cluster (testing/redis-targets.ts).
import { randomUUID } from 'node:crypto';
import { AppError, SCOPES, type Classifier, type ClassifyOutcome, type Tenant } from '@emo/contracts';
import { FleetClient, TenantQuotaStore } from '@emo/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets, keysOnEveryMaster } from '../testing/redis-targets';
import { TenantQuota } from './tenant-quota';

const tenantWith = (id: string, textsPerSecond: number): Tenant => ({
  id,
  scopes: new Set(SCOPES),
  limits: { textsPerSecond, maxQueuedTexts: 0, weight: 1 },
});

const refusal = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => (e instanceof AppError ? e : Promise.reject(e)));

const TARGETS = apiRedisTargets();

describe.each(TARGETS)('tenant quotas: the token bucket (TenantQuota on TenantQuotaStore), on $name', ({ available, runtime }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let fleet: FleetClient | undefined;
  afterEach(async () => {
    await fleet?.purge();
    await fleet?.close();
    fleet = undefined;
  });
  const setup = () => {
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: `test-tenant-rate-${randomUUID().slice(0, 8)}` },
      fleet: { jobChunkSize: 8, jobAttempts: 1, resultTtlSeconds: 60 },
      api: { classifyDeadlineMs: 1000 },
    });
    return new TenantQuotaStore(fleet.redis, fleet.keys);
  };
  /** A pod's quota whose clock reads `clock.ms`. */
  const pod = (store: TenantQuotaStore, clock: { ms: number }) => new TenantQuota(store, { burstSeconds: 2, now: () => clock.ms });

  it('refuses a tenant whose bucket is empty while another tenant is admitted, and admits it again as the bucket refills', async () => {
    const clock = { ms: 1_000_000 };
    const sut = pod(setup(), clock);
    const a = tenantWith('a', 10); // bucket of 20 texts, 10 more per second
    await sut.admit(a, 20);
    const refused = await refusal(sut.admit(a, 1));
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.details).toEqual({ retryAfterSeconds: 1, limit: 20, remaining: 0, resetSeconds: 2, policy: '"texts";q=20;w=2' });
    await sut.admit(tenantWith('b', 10), 20); // another tenant has its own bucket
    clock.ms += 99; // 0.99 text refilled: not yet
    expect((await refusal(sut.admit(a, 1)))?.code).toBe('RATE_LIMITED');
    clock.ms += 1; // one text refilled
    await sut.admit(a, 1);
    expect((await refusal(sut.admit(a, 1)))?.code).toBe('RATE_LIMITED');
  });

  it('is one bucket for every API pod: what one pod admitted, the other cannot admit again', async () => {
    const clock = { ms: 5_000_000 };
    const store = setup();
    const otherConnection = fleet!.redis.duplicate(); // the second pod's own connection
    try {
      const [pod1, pod2] = [pod(store, clock), pod(new TenantQuotaStore(otherConnection, fleet!.keys), clock)];
      const a = tenantWith('a', 10);
      await pod1.admit(a, 15);
      await pod2.admit(a, 5);
      expect((await refusal(pod1.admit(a, 1)))?.code).toBe('RATE_LIMITED');
      expect((await refusal(pod2.admit(a, 1)))?.code).toBe('RATE_LIMITED');
      // A pod whose clock is behind the last reading refills nothing (no texts from clock skew).
      expect((await refusal(pod(store, { ms: clock.ms - 60_000 }).admit(a, 1)))?.code).toBe('RATE_LIMITED');
    } finally {
      await otherConnection.quit();
    }
  });

  it('admits a request larger than the bucket when the bucket is full, and the tenant then waits until the debt is paid', async () => {
    const clock = { ms: 9_000_000 };
    const sut = pod(setup(), clock);
    const a = tenantWith('a', 10);
    await sut.admit(a, 50); // 30 texts more than the bucket holds
    clock.ms += 3_000; // the debt (30 texts) is paid, the bucket is empty
    const refused = await refusal(sut.admit(a, 50));
    expect(refused?.details).toMatchObject({ retryAfterSeconds: 2, remaining: 0 }); // a big request waits for a full bucket
    clock.ms += 1_999;
    expect((await refusal(sut.admit(a, 50)))?.code).toBe('RATE_LIMITED');
    clock.ms += 1;
    await sut.admit(a, 50);
  });

  it('gives texts back atomically (refund), capped at the bucket size: take then refund leaves the bucket as it was', async () => {
    const store = setup();
    const bucket = { textsPerSecond: 10, capacity: 20 };
    const now = 7_000_000;
    await store.take('a', bucket, 5, now);
    const before = await fleet!.redis.hgetall(store.rateKey('a'));
    expect(await store.take('a', bucket, 8, now)).toMatchObject({ allowed: true, remaining: 7 });
    expect(await store.refund('a', bucket, 8, now)).toMatchObject({ remaining: 15 });
    expect(await fleet!.redis.hgetall(store.rateKey('a'))).toEqual(before);
    await store.refund('a', bucket, 100, now); // never above the bucket size: full, so the key goes
    expect(await fleet!.redis.exists(store.rateKey('a'))).toBe(0);
    expect(await store.take('a', bucket, 21, now)).toMatchObject({ allowed: true, remaining: 0 }); // debt of 1
    await store.refund('a', bucket, 21, now);
    expect(await fleet!.redis.exists(store.rateKey('a'))).toBe(0);
  });

  it('keeps a bucket only while it is not full: an idle tenant costs no memory', async () => {
    const store = setup();
    const bucket = { textsPerSecond: 0.01, capacity: 20 };
    expect(await store.take('a', bucket, 5, 2_000_000)).toEqual({ allowed: true, remaining: 15, retryAfterMs: 0, resetMs: 500_000 });
    const ttl = await fleet!.redis.pttl(store.rateKey('a'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(500_000); // until 5 texts refilled at 0.01/s
    // Full again by the clock: the script deletes the key rather than keep a full bucket.
    expect(await store.take('a', bucket, 0, 2_500_000)).toMatchObject({ allowed: true, remaining: 20, resetMs: 0 });
    expect(await fleet!.redis.exists(store.rateKey('a'))).toBe(0);
  });
});

describe.each(TARGETS)("tenant quotas: a tenant's queued texts (RESERVE_TEXTS / RELEASE_TEXTS), on $name", ({ available, runtime }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let fleet: FleetClient | undefined;
  afterEach(async () => {
    await fleet?.purge();
    await fleet?.close();
    fleet = undefined;
  });
  const chunks = (tag: string, n: number, texts: number) => Array.from({ length: n }, (_, i) => ({ chunkId: `${tag}.${i}`, texts }));

  it('counts them over both queues, once per chunk, refuses past the share in the same step, and releases them by chunk id', async () => {
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: `test-tenant-queued-${randomUUID().slice(0, 8)}` },
      fleet: { jobChunkSize: 8, jobAttempts: 1, resultTtlSeconds: 60 },
      api: { classifyDeadlineMs: 1000 },
    });
    const { store } = fleet;
    const quota = new TenantQuotaStore(fleet.redis, fleet.keys);
    const a = { id: 'a', maxQueuedTexts: 10 };
    expect(await store.reserveTexts('bulk', chunks('j1', 2, 3), 1000, undefined, undefined, a)).toMatchObject({
      admitted: true,
      tenantQueued: 6,
    });
    expect(await store.reserveTexts('bulk', chunks('j1', 2, 3), 1000, undefined, undefined, a)).toMatchObject({
      admitted: true,
      tenantQueued: 6,
    }); // the same chunks: once
    expect(await store.reserveTexts('interactive', chunks('j2', 1, 4), 1000, undefined, undefined, a)).toMatchObject({
      admitted: true,
      tenantQueued: 10,
    });
    expect(await store.reserveTexts('interactive', chunks('j3', 1, 1), 1000, undefined, undefined, a)).toEqual({
      admitted: false,
      queued: 4,
      limit: 1000,
      tenantQueued: 10,
      refusedBy: 'tenant',
    });
    // Another tenant is admitted; the queue's own limit still applies to everyone.
    expect(
      await store.reserveTexts('interactive', chunks('k1', 1, 5), 1000, undefined, undefined, { id: 'b', maxQueuedTexts: 10 }),
    ).toMatchObject({ admitted: true });
    expect(
      await store.reserveTexts('interactive', chunks('k2', 1, 5), 9, undefined, undefined, { id: 'b', maxQueuedTexts: 10 }),
    ).toMatchObject({ admitted: false, refusedBy: 'queue' });
    expect(await quota.queuedTexts('a')).toBe(10);
    // A pickup (and a cancel: no pickup) releases by chunk id, without being told the tenant; once.
    expect(await store.releaseTexts(['j1.0', 'j2.0'], { pickup: true })).toBe(7);
    expect(await store.releaseTexts(['j1.0', 'j1.1'])).toBe(3);
    expect(await quota.queuedTexts('a')).toBe(0);
    expect(await quota.queuedTexts('b')).toBe(5);
    expect(await store.queuedTexts('interactive')).toBe(5);
    expect(await store.reserveTexts('interactive', chunks('j3', 1, 1), 1000, undefined, undefined, a)).toMatchObject({
      admitted: true,
      tenantQueued: 1,
    });
  });
});

const fake: Classifier = {
  async classify(input: readonly string[]): Promise<ClassifyOutcome[]> {
    return input.map(() => ({ labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' }));
  },
};

describe.each(TARGETS)('tenant quotas over HTTP, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const KEY_A = 'tenant-a-key-0123456789';
  const KEY_B = 'tenant-b-key-0123456789';
  const h = useApiTestHarness('tenant-quota', { ...env, API_KEYS: `${KEY_A},${KEY_B}`, OVERLOAD_RETRY_AFTER_SECONDS: '3' });
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const submit = (key: string, n: number, tag: string) =>
    h.request({
      method: 'POST',
      url: '/v1/jobs',
      payload: { items: Array.from({ length: n }, (_, i) => ({ text: `${tag} ${i}` })) },
      headers: as(key),
    });

  it("answers 429 RATE_LIMITED with Retry-After, RateLimit and RateLimit-Policy once a tenant's bucket is empty, while another tenant is admitted", async () => {
    // 0.01 texts/s with a 1000 s burst: a bucket of 10 texts that refills one text per 100 s, so
    // nothing refills while this test runs.
    await h.start({ TENANT_RATE_LIMIT_TEXTS_PER_S: '0.01', TENANT_RATE_BURST_SECONDS: '1000' });
    const first = await submit(KEY_A, 6, 'a1');
    expect(first.statusCode).toBe(202);
    expect(first.headers['ratelimit-policy']).toBe('"texts";q=10;w=1000');
    expect(first.headers['ratelimit']).toMatch(/^"texts";r=4;t=\d+$/);

    const refused = await submit(KEY_A, 5, 'a2'); // 5 > 4 left
    expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(100); // one more text takes 100 s
    expect(refused.headers['ratelimit-policy']).toBe('"texts";q=10;w=1000');
    expect(refused.headers['ratelimit']).toMatch(/^"texts";r=4;t=\d+$/);
    expect(refused.json().error.details).toMatchObject({ limit: 10, remaining: 4, policy: '"texts";q=10;w=1000' });

    expect((await submit(KEY_B, 10, 'b')).statusCode).toBe(202); // tenant B's bucket is its own
    expect((await submit(KEY_A, 4, 'a3')).statusCode).toBe(202); // what is left still fits

    const metrics = (await h.request({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^emo_tenant_refused_total\{tenant="key-[0-9a-f]{12}",code="RATE_LIMITED"\} 1$/m);
    expect(metrics).toMatch(/^emo_tenant_texts_total\{tenant="key-[0-9a-f]{12}"\} 10$/m);
  });

  it("refuses a tenant's next job with 429 TENANT_BACKLOG_FULL past its queued texts while another tenant is admitted, and admits it again once workers pick the chunks up", async () => {
    await h.start({
      TENANT_MAX_QUEUED_TEXTS: '4',
      JOB_CHUNK_SIZE: '2',
      TENANT_RATE_LIMIT_TEXTS_PER_S: '1000',
      TENANT_RATE_BURST_SECONDS: '1',
    });
    const first = await submit(KEY_A, 4, 'a1'); // no worker: two chunks of 2 stay queued
    expect(first.statusCode).toBe(202);
    const refused = await submit(KEY_A, 1, 'a2');
    expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'TENANT_BACKLOG_FULL']);
    expect(refused.headers['retry-after']).toBe('3');
    expect(refused.json().error.details).toEqual({ retryAfterSeconds: 3, limit: 4, remaining: 0 });
    expect(refused.headers['ratelimit-policy']).toBe('"texts";q=1000;w=1'); // the rate limit took from the bucket first
    expect((await submit(KEY_B, 4, 'b1')).statusCode).toBe(202); // tenant B's share is its own

    h.startConsumer(fake, { interactive: 1, bulk: 2 });
    const jobId = first.json().job_id as string;
    await expect
      .poll(async () => (await h.request({ method: 'GET', url: `/v1/jobs/${jobId}`, headers: as(KEY_A) })).json().state, {
        timeout: 20_000,
        interval: 50,
      })
      .toBe('completed');
    expect((await submit(KEY_A, 4, 'a3')).statusCode).toBe(202);
  });

  it('gives the texts back to the bucket when the backlog share refuses a call after the rate limit took them', async () => {
    // A bucket of 10 texts refilling one per 100 s; a share of 4 queued texts; no worker.
    await h.start({
      TENANT_RATE_LIMIT_TEXTS_PER_S: '0.01',
      TENANT_RATE_BURST_SECONDS: '1000',
      TENANT_MAX_QUEUED_TEXTS: '4',
      JOB_CHUNK_SIZE: '2',
    });
    const first = await submit(KEY_A, 4, 'a1');
    expect(first.statusCode).toBe(202);
    expect(first.headers['ratelimit']).toMatch(/^"texts";r=6;t=\d+$/);
    for (const tag of ['a2', 'a3', 'a4']) {
      const refused = await submit(KEY_A, 3, tag);
      expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'TENANT_BACKLOG_FULL']);
      expect(refused.headers['ratelimit']).toMatch(/^"texts";r=6;t=\d+$/); // the old code: r=3, then RATE_LIMITED
    }
    const [bucket] = await keysOnEveryMaster(h.api.fleet.redis, `${h.prefix}:fleet:tenant-rate:*`);
    expect(Math.floor(Number(await h.api.fleet.redis.hget(bucket, 't')))).toBe(6); // as the first call left it
  });

  it('sends no RateLimit headers and takes nothing from Redis for tenants without a rate (0 = off)', async () => {
    await h.start({});
    const r = await submit(KEY_A, 3, 'x');
    expect(r.statusCode).toBe(202);
    expect(r.headers['ratelimit']).toBeUndefined();
    expect(r.headers['ratelimit-policy']).toBeUndefined();
    expect(await keysOnEveryMaster(h.api.fleet.redis, `${h.prefix}:fleet:tenant-rate:*`)).toEqual([]);
  });
});
