import { AppError, SCOPES, type Tenant } from '@emo/contracts';
import type { RateBucket, RateDecision } from '@emo/queue';
import { describe, expect, it } from 'vitest';
import { fieldsOfDetails, spendWithin, TenantQuota, type RateLimitSlot } from './tenant-quota';

const tenantWith = (id: string, textsPerSecond: number): Tenant => ({
  id,
  scopes: new Set(SCOPES),
  limits: { textsPerSecond, maxQueuedTexts: 0, weight: 1 },
});

/** A store that answers what it is told and records every call. */
function fakeStore(answer: RateDecision = { allowed: true, remaining: 5, retryAfterMs: 0, resetMs: 1500 }) {
  const calls: { tenantId: string; bucket: RateBucket; cost: number; nowMs?: number }[] = [];
  return {
    calls,
    async take(tenantId: string, bucket: RateBucket, cost: number, nowMs?: number): Promise<RateDecision> {
      calls.push({ tenantId, bucket, cost, nowMs });
      return answer;
    },
    async reserveOwn() {
      return { admitted: true, tenantQueued: 0 };
    },
    async refund(tenantId: string, bucket: RateBucket, cost: number, nowMs?: number): Promise<RateDecision> {
      calls.push({ tenantId, bucket, cost: -cost, nowMs });
      return { allowed: true, remaining: 9, retryAfterMs: 0, resetMs: 100 };
    },
  };
}

describe(TenantQuota.name, () => {
  describe('admit', () => {
    it('makes no Redis call when the tenant has no rate (0 = off), and still counts its texts', async () => {
      const store = fakeStore();
      const admitted: [string, number][] = [];
      const sut = new TenantQuota(store, { burstSeconds: 2, onAdmitted: (t, n) => admitted.push([t, n]) });
      await sut.admit(tenantWith('a', 0), 64);
      expect(store.calls).toEqual([]);
      expect(admitted).toEqual([['a', 64]]);
    });

    it("draws the call's texts from a bucket of rate × burst texts, at the injected clock", async () => {
      const store = fakeStore();
      const sut = new TenantQuota(store, { burstSeconds: 2, now: () => 12_345 });
      await sut.admit(tenantWith('a', 10), 7);
      expect(store.calls).toEqual([
        { tenantId: 'a', bucket: { textsPerSecond: 10, capacity: 20, windowSeconds: 2 }, cost: 7, nowMs: 12_345 },
      ]);
    });

    it('refuses with 429 RATE_LIMITED whose details give Retry-After and both RateLimit headers', async () => {
      const store = fakeStore({ allowed: false, remaining: 0, retryAfterMs: 1_200, resetMs: 3_100 });
      const admitted: string[] = [];
      const sut = new TenantQuota(store, { burstSeconds: 2, onAdmitted: (t) => admitted.push(t) });
      const err = await sut.admit(tenantWith('a', 10), 5).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('RATE_LIMITED');
      expect((err as AppError).httpStatus).toBe(429);
      expect((err as AppError).details).toEqual({
        retryAfterSeconds: 2,
        limit: 20,
        remaining: 0,
        resetSeconds: 4,
        policy: '"texts";q=20;w=2',
      });
      expect(fieldsOfDetails((err as AppError).details)).toEqual({ policy: '"texts";q=20;w=2', rateLimit: '"texts";r=0;t=4' });
      expect(admitted).toEqual([]); // a refused call is not counted as admitted texts
    });

    it('never says "retry in 0 s"', async () => {
      const sut = new TenantQuota(fakeStore({ allowed: false, remaining: 0, retryAfterMs: 1, resetMs: 1 }), { burstSeconds: 1 });
      const err = (await sut.admit(tenantWith('a', 1000), 1).catch((e: unknown) => e)) as AppError;
      expect((err.details as { retryAfterSeconds: number }).retryAfterSeconds).toBe(1);
    });
  });

  describe('refund', () => {
    it('gives the texts back to the bucket it took them from, and the call then carries the refunded state', async () => {
      const store = fakeStore();
      const sut = new TenantQuota(store, { burstSeconds: 2, now: () => 42 });
      const slot: RateLimitSlot = {};
      await sut.admit(tenantWith('a', 5), 4, slot);
      await sut.refund(tenantWith('a', 5), 4, slot);
      expect(store.calls).toEqual([
        { tenantId: 'a', bucket: { textsPerSecond: 5, capacity: 10, windowSeconds: 2 }, cost: 4, nowMs: 42 },
        { tenantId: 'a', bucket: { textsPerSecond: 5, capacity: 10, windowSeconds: 2 }, cost: -4, nowMs: 42 },
      ]);
      expect(slot.fields).toEqual({ policy: '"texts";q=10;w=2', rateLimit: '"texts";r=9;t=1' });
    });

    it('makes no Redis call for a tenant without a rate', async () => {
      const store = fakeStore();
      await new TenantQuota(store, { burstSeconds: 2 }).refund(tenantWith('a', 0), 4);
      expect(store.calls).toEqual([]);
    });
  });

  describe('backfillGate', () => {
    it('is none for a tenant without either limit (its upload queues chunks in groups, with no Redis call for quotas)', () => {
      const sut = new TenantQuota(fakeStore(), { burstSeconds: 1 });
      expect(sut.backfillGate(tenantWith('a', 0))).toBeUndefined();
      expect(sut.backfillGate(tenantWith('a', 5))).toBeDefined();
    });
  });

  describe('rate-limit slots', () => {
    it('gives each call the headers of its own admission, even when calls interleave', async () => {
      const sut = new TenantQuota(
        {
          refund: fakeStore().refund,
          reserveOwn: fakeStore().reserveOwn,
          async take(tenantId: string) {
            await new Promise((r) => setImmediate(r)); // both calls are in flight together
            return { allowed: true, remaining: tenantId === 'a' ? 3 : 8, retryAfterMs: 0, resetMs: tenantId === 'a' ? 1700 : 200 };
          },
        },
        { burstSeconds: 1 },
      );
      const [a, b, none]: RateLimitSlot[] = [{}, {}, {}];
      await Promise.all([
        sut.admit(tenantWith('a', 10), 7, a),
        sut.admit(tenantWith('b', 10), 2, b),
        sut.admit(tenantWith('c', 0), 2, none),
      ]);
      expect(a.fields).toEqual({ policy: '"texts";q=10;w=1', rateLimit: '"texts";r=3;t=2' });
      expect(b.fields).toEqual({ policy: '"texts";q=10;w=1', rateLimit: '"texts";r=8;t=1' });
      expect(none.fields).toBeUndefined();
    });
  });

  describe('bucketOf', () => {
    it('holds at least one text and refills in whole seconds', () => {
      const sut = new TenantQuota(fakeStore(), { burstSeconds: 0.5 });
      expect(sut.bucketOf(1)).toEqual({ textsPerSecond: 1, capacity: 1, windowSeconds: 1 });
      expect(sut.bucketOf(0.25)).toEqual({ textsPerSecond: 0.25, capacity: 1, windowSeconds: 4 });
      expect(sut.bucketOf(100)).toEqual({ textsPerSecond: 100, capacity: 50, windowSeconds: 1 });
    });
  });
});

describe('spendWithin', () => {
  const tenant: Tenant = { id: 'acme', scopes: new Set(), limits: { textsPerSecond: 10, maxQueuedTexts: 0, weight: 1 } };

  it('gives the texts back on a later refusal, and the caller still sees that refusal when the refund fails', async () => {
    const calls: string[] = [];
    const quota = {
      admit: async (_: Tenant, n: number) => void calls.push(`admit ${n}`),
      refund: async (_: Tenant, n: number) => {
        calls.push(`refund ${n}`);
        throw new AppError('QUEUE_UNAVAILABLE');
      },
    };
    await expect(spendWithin(quota, tenant, 3, async () => Promise.reject(new AppError('OVERLOADED')))).rejects.toMatchObject({
      code: 'OVERLOADED',
    });
    expect(calls).toEqual(['admit 3', 'refund 3']);
  });

  it('keeps the texts spent on success and on errors that are not admission refusals', async () => {
    const calls: string[] = [];
    const quota = {
      admit: async (_: Tenant, n: number) => void calls.push(`admit ${n}`),
      refund: async (_: Tenant, n: number) => void calls.push(`refund ${n}`),
    };
    await expect(spendWithin(quota, tenant, 2, async () => 'queued')).resolves.toBe('queued');
    await expect(spendWithin(quota, tenant, 2, async () => Promise.reject(new AppError('DEADLINE_EXCEEDED')))).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    expect(calls).toEqual(['admit 2', 'admit 2']);
  });

  it("leaves the call's rate-limit state in its slot: the admission's, then the refund's", async () => {
    const quota = new TenantQuota(fakeStore(), { burstSeconds: 2 });
    const admitted: RateLimitSlot = {};
    await spendWithin(quota, tenant, 3, async () => 'queued', admitted);
    expect(admitted.fields).toEqual({ policy: '"texts";q=20;w=2', rateLimit: '"texts";r=5;t=2' });
    const refunded: RateLimitSlot = {};
    await expect(spendWithin(quota, tenant, 3, async () => Promise.reject(new AppError('OVERLOADED')), refunded)).rejects.toThrow();
    expect(refunded.fields).toEqual({ policy: '"texts";q=20;w=2', rateLimit: '"texts";r=9;t=1' });
  });
});
