// CACHE_BULK_ADMISSION: which computed results a TwoLevelCache stores (admission/doorkeeper.ts).
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CacheNamespace } from './keys/cache-namespace';
import { L1ResultCache } from './l1/l1-result-cache';
import { CacheMetrics } from './metrics/cache-metrics';
import { FakeClassifier, fakeModel } from './testing/fake-classifier';
import { TwoLevelCache } from './two-level-cache';
import { BulkAdmission } from './admission/bulk-admission';

function setup(bulkAdmission?: 'always' | 'second-hit') {
  const registry = new Registry();
  const sut = new TwoLevelCache({
    namespace: new CacheNamespace('t', fakeModel()),
    l1: new L1ResultCache({ maxEntries: 1000, maxBytes: 1 << 20, ttlSeconds: 60 }),
    metrics: CacheMetrics.for(registry),
    ...(bulkAdmission ? { bulkAdmission } : {}),
  });
  return { sut, inner: new FakeClassifier(), registry };
}

const bulk = { priority: 'bulk' } as const;

describe('TwoLevelCache admission of bulk results', () => {
  it('second-hit: stores a bulk text from the second time it is computed, and answers alike every time', async () => {
    const { sut, inner } = setup('second-hit');
    const first = await sut.classifier(inner).classify(['once', 'twice'], bulk);
    expect(sut.l1!.entries).toBe(0);
    const second = await sut.classifier(inner).classify(['twice'], bulk);
    expect(sut.l1!.entries).toBe(1);
    const third = await sut.classifier(inner).classify(['twice'], bulk);
    expect(inner.calls).toEqual([['once', 'twice'], ['twice']]); // the third is a hit
    expect(second).toEqual([first[1]]);
    expect(third).toEqual([first[1]]);
    expect(sut.stats()).toMatchObject({ computed: 3, notAdmitted: 2, hits: 1 });
  });

  it('second-hit: stores interactive results and warming (cacheAdmit) at once; a call without a priority is bulk', async () => {
    const { sut, inner } = setup('second-hit');
    await sut.classifier(inner).classify(['asked now'], { priority: 'interactive' });
    await sut.classifier(inner).classify(['warm phrase'], { ...bulk, cacheAdmit: true });
    await sut.classifier(inner).classify(['no priority']);
    await sut.classifier(inner).classify(['asked now', 'warm phrase', 'no priority'], bulk);
    expect(inner.calls).toEqual([['asked now'], ['warm phrase'], ['no priority'], ['no priority']]);
    expect(sut.stats()).toMatchObject({ notAdmitted: 1, hits: 2 });
  });

  it('second-hit: a bulk text an interactive call stored first is a hit', async () => {
    const { sut, inner } = setup('second-hit');
    await sut.classifier(inner).classify(['lol'], { priority: 'interactive' });
    await sut.classifier(inner).classify(['lol'], bulk);
    expect(inner.textsComputed).toBe(1);
  });

  it('always (the default): stores every bulk result at once', async () => {
    const { sut, inner } = setup();
    await sut.classifier(inner).classify(['once'], bulk);
    await sut.classifier(inner).classify(['once'], bulk);
    expect(inner.textsComputed).toBe(1);
    expect(sut.stats().notAdmitted).toBe(0);
  });

  it('second-hit: joins a duplicate in flight whether or not its result is stored', async () => {
    const { sut, inner } = setup('second-hit');
    let open!: () => void;
    inner.gate = new Promise<void>((r) => (open = r));
    const a = sut.classifier(inner).classify(['same'], bulk);
    const b = sut.classifier(inner).classify(['same', 'same'], bulk);
    open();
    const [ra, rb] = await Promise.all([a, b]);
    expect(inner.textsComputed).toBe(1);
    expect(rb).toEqual([ra[0], ra[0]]);
    expect(sut.l1!.entries).toBe(0);
  });

  it('second-hit: exports the refusals as emo_cache_not_admitted_total', async () => {
    const { sut, inner, registry } = setup('second-hit');
    await sut.classifier(inner).classify(['a', 'b', 'c'], bulk);
    expect(await registry.getSingleMetricAsString('emo_cache_not_admitted_total')).toMatch(/emo_cache_not_admitted_total 3\b/);
  });

  it('files a bulk result in L1 only where no working L2 took it; interactive results and warming always', () => {
    const rule = new BulkAdmission();
    const cases = [
      [{ priority: 'bulk' }, true, false],
      [undefined, true, false], // no priority: bulk
      [{ priority: 'bulk' }, false, true], // no L2, or L2 down: L1 is all there is
      [{ priority: 'interactive' }, true, true],
      [{ priority: 'bulk', cacheAdmit: true }, true, true],
    ] as const;
    for (const [opts, l2Written, toL1] of cases) expect(rule.toL1(opts, l2Written), JSON.stringify({ opts, l2Written })).toBe(toL1);
  });
});
