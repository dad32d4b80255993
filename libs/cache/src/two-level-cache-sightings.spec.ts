// CACHE_API_LOOKUP=second-sighting: a TwoLevelCache with firstSightingCapacity passes a call none of
// whose texts it saw before straight to its inner classifier, uncached, and looks up the rest.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CacheNamespace } from './keys/cache-namespace';
import { L1ResultCache } from './l1/l1-result-cache';
import { CacheMetrics } from './metrics/cache-metrics';
import { FakeClassifier, fakeModel } from './testing/fake-classifier';
import { TwoLevelCache } from './two-level-cache';

function setup(firstSightingCapacity?: number, includeScores?: boolean) {
  const registry = new Registry();
  const sut = new TwoLevelCache({
    namespace: new CacheNamespace('t', fakeModel()),
    l1: new L1ResultCache({ maxEntries: 1000, maxBytes: 1 << 20, ttlSeconds: 60 }),
    metrics: CacheMetrics.for(registry),
    maxTextChars: 50,
    firstSightingCapacity,
    includeScores,
  });
  /** The options each inner call got. */
  const options: unknown[] = [];
  const inner = new FakeClassifier();
  const classify = inner.classify.bind(inner);
  inner.classify = (texts, opts) => (options.push(opts), classify(texts, opts));
  return { sut, inner, options, registry };
}

describe('TwoLevelCache first sightings (CACHE_API_LOOKUP=second-sighting)', () => {
  it('passes a call of never-seen texts on as it came, then caches each text from its second sighting', async () => {
    const { sut, inner, options } = setup(1000);
    const asked = { priority: 'interactive', includeScores: false } as const;
    const first = await sut.classifier(inner).classify(['hello there'], asked);
    expect(options[0]).toBe(asked); // the caller's options: no scores forced, not cacheChecked
    expect(sut.l1!.entries).toBe(0);
    expect(sut.stats()).toMatchObject({ lookups: 0, computed: 0, firstSightings: 1 });

    const second = await sut.classifier(inner).classify(['hello there'], asked);
    expect(options[1]).toMatchObject({ includeScores: true, scoreArray: true }); // through the cache
    expect(sut.l1!.entries).toBe(1);
    const third = await sut.classifier(inner).classify(['hello there'], asked);
    expect(inner.calls).toEqual([['hello there'], ['hello there']]); // the third is an L1 hit
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(sut.stats()).toMatchObject({ lookups: 2, computed: 1, hits: 1, firstSightings: 1 });
  });

  it('looks up a whole call when any of its texts was seen, a repeat within the call included', async () => {
    const { sut, inner } = setup(1000);
    await sut.classifier(inner).classify(['a', 'b', 'a']); // 'a' twice: seen, so looked up, computed once
    expect(inner.calls).toEqual([['a', 'b']]);
    await sut.classifier(inner).classify(['c', 'b', 'd']); // 'b' seen: one lookup for the call, one computation
    expect(inner.calls).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(sut.stats()).toMatchObject({ firstSightings: 0, lookups: 6, hits: 2 });
  });

  it('does not count texts that bypass the cache as sightings', async () => {
    const { sut, inner } = setup(1000);
    const long = 'x'.repeat(51); // over maxTextChars
    await sut.classifier(inner).classify([long, long, 'bad \ud800 utf-8', 7]);
    await sut.classifier(inner).classify([long]);
    expect(sut.stats()).toMatchObject({ firstSightings: 5, lookups: 0, bypassed: 0 });
  });

  it('passes the caller’s view through on a first sighting and derives it from the cache afterwards', async () => {
    const { sut, inner, options } = setup(1000);
    const asked = { taxonomy: 'ekman', includeScores: true } as const;
    await sut.classifier(inner).classify(['so happy'], asked);
    expect(options[0]).toBe(asked);
    await sut.classifier(inner).classify(['so happy'], asked);
    expect(options[1]).toMatchObject({ includeScores: true, scoreArray: true });
    expect(options[1]).not.toHaveProperty('taxonomy', 'ekman'); // the fine result is what the cache computes
  });

  it('computes a new text sent by many concurrent calls at most twice: the first call passes, the rest join the second', async () => {
    const { sut, inner } = setup(1000);
    let open!: () => void;
    inner.gate = new Promise<void>((resolve) => (open = resolve));
    const calls = Array.from({ length: 6 }, () => sut.classifier(inner).classify(['viral']));
    await new Promise((resolve) => setImmediate(resolve));
    open();
    const answers = await Promise.all(calls);
    expect(inner.calls).toEqual([['viral'], ['viral']]);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(sut.stats()).toMatchObject({ firstSightings: 1, coalesced: 4 });
  });

  it("passes this cache's default of includeScores along when the caller did not say, so every sighting answers alike", async () => {
    const { sut, inner, options } = setup(1000, true);
    const first = await sut.classifier(inner).classify(['hello there']);
    expect(options[0]).toMatchObject({ includeScores: true });
    const second = await sut.classifier(inner).classify(['hello there']);
    expect(second).toEqual(first);
    expect(first[0]).toHaveProperty('scores');
  });

  it('without firstSightingCapacity looks up every call', async () => {
    const { sut, inner } = setup();
    await sut.classifier(inner).classify(['hello there']);
    await sut.classifier(inner).classify(['hello there']);
    expect(inner.calls).toEqual([['hello there']]);
    expect(sut.stats()).toMatchObject({ firstSightings: 0, lookups: 2, hits: 1 });
  });

  it('counts first sightings in emo_cache_first_sightings_total', async () => {
    const { sut, inner, registry } = setup(1000);
    await sut.classifier(inner).classify(['one', 'two']);
    expect(await registry.getSingleMetricAsString('emo_cache_first_sightings_total')).toMatch(/emo_cache_first_sightings_total 2$/m);
  });
});
