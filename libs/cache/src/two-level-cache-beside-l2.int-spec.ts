// computeBesideL2 (the worker's CACHE_COMPUTE_BESIDE_L2=idle) against the real Redis: a call it
// admits starts its classifier while its MGET is still out, answers what L2 holds from L2 (that
// computation counted as in vain), and fails only when a text L2 did not answer needed the
// failed computation. Holding the MGET's answer makes "started before L2 answered" a fact of the
// test, not a race.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCacheRedis, type CacheRedis } from './l2/cache-redis';
import { unlinkMatching } from './l2/namespace-admin';
import { makeTestCache } from './testing/l2-test-cache';
import { TwoLevelCache } from './two-level-cache';

describe.skipIf(!inject('redisAvailable'))(`${TwoLevelCache.name}: computing beside the L2 lookup`, () => {
  const prefix = `test-beside-${randomUUID().slice(0, 8)}`;
  let redis: CacheRedis;

  beforeAll(async () => {
    redis = createCacheRedis(inject('redisUrl'), 1000);
    await redis.connect();
  });
  afterAll(async () => {
    await unlinkMatching(redis, `${prefix}:*`);
    await redis.quit();
  });

  /** A cache whose L2 answers only when `release()` is called; `asked` counts MGETs. */
  function heldCache(besideL2: boolean | undefined) {
    const made = makeTestCache(prefix, redis);
    const mget = made.l2.mget.bind(made.l2);
    const held: (() => void)[] = [];
    let asked = 0;
    made.l2.mget = (keys) => {
      asked++;
      const answer = mget(keys);
      return new Promise((resolve) => held.push(() => resolve(answer)));
    };
    const seen: unknown[] = [];
    if (besideL2 !== undefined)
      made.sut.computeBesideL2 = (opts) => {
        seen.push(opts?.priority);
        return besideL2;
      };
    return { ...made, release: () => held.splice(0).forEach((r) => r()), asked: () => asked, seen };
  }
  const turns = async (n = 5) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };

  it('starts the classifier while the MGET is out, and answers as the call after the lookup would', async () => {
    const { sut, inner, release, asked, seen } = heldCache(true);
    const call = sut.classifier(inner).classify(['beside one', 'beside two'], { priority: 'interactive' });
    await turns();
    expect(asked()).toBe(1);
    expect(inner.calls).toEqual([['beside one', 'beside two']]); // before L2 answered
    expect(seen).toEqual(['interactive']);
    release();
    const answers = await call;
    const plain = makeTestCache(`${prefix}-plain`, redis);
    expect(answers).toEqual(await plain.sut.classifier(plain.inner).classify(['beside one', 'beside two']));
    expect(sut.stats()).toMatchObject({ computed: 2, computedInVain: 0 });
    await sut.drain();
  });

  it('waits for the lookup first when computeBesideL2 says no: only the misses are computed, after it', async () => {
    const stored = makeTestCache(prefix, redis);
    await stored.sut.classifier(stored.inner).classify(['after held']);
    await stored.sut.drain();
    const { sut, inner, release } = heldCache(false);
    const call = sut.classifier(inner).classify(['after held', 'after new'], { priority: 'interactive' });
    await turns();
    expect(inner.calls).toEqual([]);
    release();
    await call;
    expect(inner.calls).toEqual([['after new']]);
    expect(sut.stats()).toMatchObject({ computed: 1, computedInVain: 0 });
    await sut.drain();
  });

  it('answers a text L2 holds from L2 and counts its computation as in vain', async () => {
    const stored = makeTestCache(prefix, redis);
    const [fromFirst] = await stored.sut.classifier(stored.inner).classify(['in vain'], { includeScores: true });
    await stored.sut.drain();
    const { sut, inner, release } = heldCache(true);
    const call = sut.classifier(inner).classify(['in vain', 'computed'], { priority: 'interactive', includeScores: true });
    await turns();
    expect(inner.calls).toEqual([['in vain', 'computed']]);
    release();
    const [hit] = await call;
    expect(hit).toEqual(fromFirst);
    expect(sut.stats()).toMatchObject({ computed: 1, computedInVain: 1 });
    await sut.drain();
  });

  it('does not fail a call whose every text L2 answered when the computation beside it failed', async () => {
    const stored = makeTestCache(prefix, redis);
    const [fromFirst] = await stored.sut.classifier(stored.inner).classify(['all in l2']);
    await stored.sut.drain();
    const { sut, inner, release } = heldCache(true);
    inner.failWith = new Error('inference failed');
    const call = sut.classifier(inner).classify(['all in l2'], { priority: 'interactive' });
    await turns();
    release();
    expect(await call).toEqual([fromFirst]);
    expect(inner.calls).toHaveLength(1);
  });

  it('fails the call with the computation error when a text L2 did not answer needed it', async () => {
    const { sut, inner, release } = heldCache(true);
    inner.failWith = new Error('inference failed');
    const call = sut.classifier(inner).classify(['not in l2 at all'], { priority: 'interactive' });
    await turns();
    release();
    await expect(call).rejects.toThrow('inference failed');
    // Its in-flight claim was released: the next call computes again (and now succeeds).
    inner.failWith = undefined;
    const again = sut.classifier(inner).classify(['not in l2 at all'], { priority: 'interactive' });
    await turns();
    release();
    expect(await again).toHaveLength(1);
    expect(inner.calls).toHaveLength(2);
  });

  it('is not asked for a call that already missed in L2 (cacheChecked): no MGET, compute at once', async () => {
    const { sut, inner, asked, seen } = heldCache(true);
    await sut.classifier(inner).classify(['checked already'], { priority: 'interactive', cacheChecked: true });
    expect(asked()).toBe(0);
    expect(seen).toEqual([]);
    expect(inner.calls).toEqual([['checked already']]);
  });
});
