import { Registry } from 'prom-client';
import { servedModelId } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { CacheNamespace } from './keys/cache-namespace';
import { L1ResultCache } from './l1/l1-result-cache';
import { CacheMetrics } from './metrics/cache-metrics';
import { FakeClassifier, fakeModel } from './testing/fake-classifier';
import { CachedClassifier } from './cached-classifier';
import { TwoLevelCache } from './two-level-cache';

function setup(opts: { includeScores?: boolean; maxTextChars?: number } = {}) {
  const registry = new Registry();
  const sut = new TwoLevelCache({
    namespace: new CacheNamespace('t', fakeModel()),
    l1: new L1ResultCache({ maxEntries: 1000, maxBytes: 1 << 20, ttlSeconds: 60 }),
    metrics: CacheMetrics.for(registry),
    ...opts,
  });
  return { sut, inner: new FakeClassifier(), registry };
}

describe(TwoLevelCache.name, () => {
  describe('classify', () => {
    it('answers in input order and computes only what L1 does not hold', async () => {
      const { sut, inner } = setup();
      const first = await sut.classifier(inner).classify(['lol', 'thanks!', 'ok']);
      const second = await sut.classifier(inner).classify(['ok', 'new one', 'lol']);
      expect(inner.calls).toEqual([['lol', 'thanks!', 'ok'], ['new one']]);
      expect(second[0]).toEqual(first[2]);
      expect(second[2]).toEqual(first[0]);
      expect(second[1]).toEqual((await new FakeClassifier().classify(['new one']))[0]);
    });

    it("caches the results of a quantized variant: their model (servedModelId, +int8) is the namespace's", async () => {
      const registry = new Registry();
      const sut = new TwoLevelCache({
        namespace: new CacheNamespace('t', { ...fakeModel(), precision: 'int8' }),
        l1: new L1ResultCache({ maxEntries: 1000, maxBytes: 1 << 20, ttlSeconds: 60 }),
        metrics: CacheMetrics.for(registry),
      });
      const inner = new FakeClassifier(servedModelId('fake', 'rev1', 'int8'));
      const miss = await sut.classifier(inner).classify(['quantized']);
      expect(await sut.classifier(inner).classify(['quantized'])).toEqual(miss);
      expect(inner.textsComputed).toBe(1);
    });

    it('gives a hit exactly the answer of the classifier', async () => {
      const { sut, inner } = setup();
      const miss = await sut.classifier(inner).classify(['same text'], { includeScores: true });
      const hit = await sut.classifier(inner).classify(['same text'], { includeScores: true });
      expect(hit).toEqual(miss);
      expect(hit).toEqual(await new FakeClassifier().classify(['same text'], { includeScores: true }));
    });

    it('returns the score map only when asked, whatever was cached', async () => {
      const { sut, inner } = setup();
      const [plain] = await sut.classifier(inner).classify(['x y z']);
      const [full] = await sut.classifier(inner).classify(['x y z'], { includeScores: true });
      expect(plain).not.toHaveProperty('scores');
      expect(Object.keys((full as { scores: object }).scores)).toEqual(['negative', 'neutral', 'positive']);
      expect(inner.textsComputed).toBe(1);
    });

    it('never caches ItemErrors: a bad text reaches the classifier every time', async () => {
      const { sut, inner } = setup();
      const a = await sut.classifier(inner).classify(['  ', 'fine']);
      const b = await sut.classifier(inner).classify(['  ', 'fine']);
      expect(a[0]).toEqual({ error: { code: 'TEXT_EMPTY', message: expect.any(String) } });
      expect(b[0]).toEqual(a[0]);
      expect(inner.calls).toEqual([['  ', 'fine'], ['  ']]);
    });

    it('sends non-strings and texts over maxTextChars to the classifier uncached, in place', async () => {
      const { sut, inner } = setup({ maxTextChars: 5 });
      const out = await sut.classifier(inner).classify([42, 'short', 'much too long', 'short']);
      expect(inner.calls).toEqual([['short', 42, 'much too long']]);
      expect(out[0]).toHaveProperty('error');
      expect(out[2]).toHaveProperty('labels');
      expect(out[3]).toEqual(out[1]);
      await sut.classifier(inner).classify(['much too long']);
      expect(inner.calls[1]).toEqual(['much too long']);
      expect(sut.stats().bypassed).toBe(3);
    });

    it('does not file an answer of another model revision under this one', async () => {
      const { sut } = setup();
      const other = new FakeClassifier('fake@rev2');
      const [out] = await sut.classifier(other).classify(['rollout']);
      expect(out).toMatchObject({ model: 'fake@rev2' });
      await sut.classifier(other).classify(['rollout']);
      expect(other.calls).toHaveLength(2);
    });

    it('computes a text repeated within one call once', async () => {
      const { sut, inner } = setup();
      const out = await sut.classifier(inner).classify(['lol', 'lol', 'ok', 'lol']);
      expect(inner.calls).toEqual([['lol', 'ok']]);
      expect(out[1]).toEqual(out[0]);
      expect(out[3]).toEqual(out[0]);
      expect(sut.stats()).toMatchObject({ lookups: 4, hits: 2, coalesced: 2, computed: 2, hitRate: 0.5 });
    });

    it('computes the same text in flight in two concurrent calls once', async () => {
      const { sut, inner } = setup();
      let open!: () => void;
      inner.gate = new Promise<void>((r) => (open = r));
      const a = sut.classifier(inner).classify(['lol', 'only a']);
      const b = sut.classifier(inner).classify(['only b', 'lol']);
      await new Promise((r) => setTimeout(r, 5));
      open();
      const [ra, rb] = await Promise.all([a, b]);
      expect(inner.calls).toEqual([['lol', 'only a'], ['only b']]);
      expect(rb[1]).toEqual(ra[0]);
      expect(sut.stats().inFlight).toBe(0);
    });

    it('fails every waiter when the computation fails, and computes again on the next call', async () => {
      const { sut, inner } = setup();
      let open!: () => void;
      inner.gate = new Promise<void>((r) => (open = r));
      inner.failWith = new Error('boom');
      const a = sut.classifier(inner).classify(['lol']);
      const b = sut.classifier(inner).classify(['lol']);
      open();
      await expect(a).rejects.toThrow('boom');
      await expect(b).rejects.toThrow('boom');
      inner.gate = undefined;
      inner.failWith = undefined;
      expect(await sut.classifier(inner).classify(['lol'])).toHaveLength(1);
      expect(inner.calls).toHaveLength(2);
    });

    it('leaves no rejection unhandled when a joined computation fails while the call still computes its own texts', async () => {
      // issue 14 (1): call b joins a's "X" and computes its own "Y"; a fails first (its deadline),
      // b fails later. Until b reached Promise.all, its wait on "X" had no handler: the process died.
      const { sut } = setup();
      const pending: { texts: unknown[]; reject(e: Error): void }[] = [];
      const inner = {
        classify: (texts: readonly unknown[]) => new Promise<never>((_, reject) => pending.push({ texts: [...texts], reject })),
      };
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const a = sut.classifier(inner).classify(['X']);
        const aSettled = a.catch((e: Error) => e);
        while (pending.length < 1) await new Promise((r) => setImmediate(r));
        const b = sut.classifier(inner).classify(['X', 'Y']);
        const bSettled = b.catch((e: Error) => e);
        while (pending.length < 2) await new Promise((r) => setImmediate(r));
        expect(pending.map((p) => p.texts)).toEqual([['X'], ['Y']]);
        pending[0].reject(new Error('deadline of a'));
        expect(await aSettled).toMatchObject({ message: 'deadline of a' });
        // Unhandled rejections are reported after the microtask queue drains: two macrotasks are past it.
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
        pending[1].reject(new Error('deadline of b'));
        expect(await bSettled).toBeInstanceOf(Error);
        await new Promise((r) => setImmediate(r));
        expect(unhandled).toEqual([]);
        expect(sut.stats().inFlight).toBe(0);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it('fails a call that only joined a computation that failed, and with the handler attached from the start', async () => {
      const { sut } = setup();
      const pending: { reject(e: Error): void }[] = [];
      const inner = { classify: () => new Promise<never>((_, reject) => pending.push({ reject })) };
      const a = sut
        .classifier(inner)
        .classify(['X'])
        .catch((e: Error) => e);
      while (pending.length < 1) await new Promise((r) => setImmediate(r));
      const b = sut
        .classifier(inner)
        .classify(['X'])
        .catch((e: Error) => e);
      pending[0].reject(new Error('boom'));
      expect(await a).toMatchObject({ message: 'boom' });
      expect(await b).toMatchObject({ message: 'boom' });
      expect(pending).toHaveLength(1);
    });
  });

  describe('classifier', () => {
    it('answers hits from the cache and sends only misses to the classifier (what the API enqueues)', async () => {
      const { sut, inner } = setup();
      await sut.classifier(inner).classify(['a', 'b'], { includeScores: true });
      const fleet = new FakeClassifier();
      const out = await sut.classifier(fleet).classify(['b', 'c', 'a']);
      expect(out[0]).toHaveProperty('labels');
      expect(fleet.calls).toEqual([['c']]);
      expect(out[2]).toMatchObject({ model: 'fake@rev1' });
      expect(inner.calls).toEqual([['a', 'b']]);
    });

    it('is a Classifier over the same cache: two classifiers of one cache share its L1 and in-flight texts', async () => {
      const { sut, inner } = setup();
      const cached = sut.classifier(inner);
      expect(cached).toBeInstanceOf(CachedClassifier);
      expect(cached.cache).toBe(sut);
      await cached.classify(['shared']);
      const other = new FakeClassifier();
      await sut.classifier(other).classify(['shared']);
      expect(other.calls).toEqual([]);
    });
  });

  describe('cacheChecked', () => {
    it('still answers from L1 and joins texts in flight, and computes the rest', async () => {
      const { sut, inner } = setup();
      await sut.classifier(inner).classify(['in L1']);
      let open!: () => void;
      inner.gate = new Promise<void>((r) => (open = r));
      const a = sut.classifier(inner).classify(['in flight']);
      const b = sut.classifier(inner).classify(['in L1', 'in flight', 'new'], { cacheChecked: true });
      open();
      const [, rb] = await Promise.all([a, b]);
      expect(inner.calls).toEqual([['in L1'], ['in flight'], ['new']]);
      expect(rb.every((o) => 'labels' in o)).toBe(true);
      expect(sut.stats()).toMatchObject({ lookups: 5, coalesced: 1, computed: 3 });
    });
  });

  describe('metrics', () => {
    it('exports hits and misses per level and the hit ratio', async () => {
      const { sut, inner, registry } = setup();
      await sut.classifier(inner).classify(['a', 'b']);
      await sut.classifier(inner).classify(['a', 'c']);
      const text = await registry.metrics();
      expect(text).toContain('emo_cache_hits_total{level="l1"} 1');
      expect(text).toContain('emo_cache_misses_total{level="l1"} 3');
      expect(text).toContain('emo_cache_hit_ratio 0.25');
      expect(text).toContain('emo_cache_l1_entries 3');
    });
  });
});

describe('TwoLevelCache and a classifier that answers its scores as an array (the engine)', () => {
  it('gives callers what a classifier with a score map gives, computed or cached, and never the array', async () => {
    const array = setup();
    const map = { ...setup(), inner: new FakeClassifier('fake@rev1', false) };
    const texts = ['lol', 'thanks so much!', 'ugh', 'lol'];
    for (const includeScores of [false, true]) {
      const viaArray = [await array.sut.classifier(array.inner).classify(texts, { includeScores })];
      viaArray.push(await array.sut.classifier(array.inner).classify(texts, { includeScores })); // now from L1
      const viaMap = await map.sut.classifier(map.inner).classify(texts, { includeScores });
      for (const answers of viaArray) {
        expect(answers).toEqual(viaMap);
        for (const a of answers) expect(a).not.toHaveProperty('scoreArray');
      }
    }
    expect(array.inner.textsComputed).toBe(3); // 'lol' once: the rest came from L1
  });
});
