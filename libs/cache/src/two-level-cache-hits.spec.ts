// The per-call hit count behind emo_tenant_cache_hits_total: TwoLevelCache.classify's `onHits`
// hears how many of the call's texts L1 or L2 answered (duplicates included), never the texts it
// computed, joined to another call or sent on uncached.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CacheNamespace } from './keys/cache-namespace';
import { L1ResultCache } from './l1/l1-result-cache';
import type { L2ResultStore } from './l2/l2-result-store';
import { CacheMetrics } from './metrics/cache-metrics';
import { FakeClassifier, fakeModel } from './testing/fake-classifier';
import { TwoLevelCache } from './two-level-cache';

/** An L2 in a Map (what L2ResultStore does on Redis), always up. */
function mapL2(): L2ResultStore {
  const entries = new Map<string, Buffer>();
  return {
    state: 'up',
    mget: async (keys: readonly string[]) => keys.map((k) => entries.get(k)),
    setMany: async (writes: readonly (readonly [string, Buffer])[]) => {
      for (const [k, v] of writes) entries.set(k, v);
    },
  } as unknown as L2ResultStore;
}

function cacheOn(l2?: L2ResultStore, maxTextChars?: number) {
  return new TwoLevelCache({
    namespace: new CacheNamespace('t', fakeModel()),
    l1: new L1ResultCache({ maxEntries: 1000, maxBytes: 1 << 20, ttlSeconds: 60 }),
    l2,
    maxTextChars,
    metrics: CacheMetrics.for(new Registry()),
  });
}

/** Runs one call and returns what onHits heard (0 when it was not called). */
async function hitsOf(sut: TwoLevelCache, inner: FakeClassifier, texts: unknown[]): Promise<number> {
  let heard = 0;
  await sut.classify(inner, texts, undefined, (n) => (heard += n));
  return heard;
}

describe(TwoLevelCache.name, () => {
  describe('classify › onHits', () => {
    it('counts L1 hits per text, duplicates included, and nothing the call computed', async () => {
      const sut = cacheOn();
      const inner = new FakeClassifier();
      expect(await hitsOf(sut, inner, ['a', 'b', 'a'])).toBe(0);
      expect(await hitsOf(sut, inner, ['a', 'b', 'a', 'new'])).toBe(3);
      expect(inner.calls).toEqual([['a', 'b'], ['new']]);
    });

    it("counts L2 hits of a process whose L1 is empty (another process's results)", async () => {
      const l2 = mapL2();
      const writer = cacheOn(l2);
      await writer.classify(new FakeClassifier(), ['x', 'y']);
      await writer.drain();
      const inner = new FakeClassifier();
      expect(await hitsOf(cacheOn(l2), inner, ['x', 'y', 'x', 'z'])).toBe(3);
      expect(inner.calls).toEqual([['z']]);
    });

    it('does not count a text joined to a computation in flight, nor texts sent on uncached', async () => {
      const sut = cacheOn(undefined, 5);
      const inner = new FakeClassifier();
      let open!: () => void;
      inner.gate = new Promise<void>((resolve) => (open = resolve));
      const first = hitsOf(sut, inner, ['held']);
      const joined = hitsOf(sut, inner, ['held', 'too long to cache']);
      open();
      expect(await Promise.all([first, joined])).toEqual([0, 0]);
      expect(inner.calls).toEqual([['held'], ['too long to cache']]);
    });
  });
});
