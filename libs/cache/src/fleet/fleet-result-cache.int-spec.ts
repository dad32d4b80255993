// Worker and API caches on the real Redis: the worker advertises its model and fills L2; the API
// keys by the advertised model and answers hits without reaching the fleet (from a text's second
// sighting under CACHE_API_LOOKUP=second-sighting; the worker looks up the first).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '@emo/config';
import { unlinkMatching } from '../l2/namespace-admin';
import { FakeClassifier, fakeModel } from '../testing/fake-classifier';
import { ApiResultCache } from './api-result-cache';
import { createWorkerResultCache } from './worker-result-cache';

const redisUrl = inject('redisUrl');
const prefix = `test-fleetcache-${randomUUID().slice(0, 8)}`;

describe.skipIf(!inject('redisAvailable'))('fleet result caches', () => {
  const redis = new Redis(redisUrl);
  afterAll(async () => {
    await unlinkMatching(redis, `${prefix}:*`);
    await redis.quit();
  });

  const fakeEngine = () => {
    const { labels, ...identity } = fakeModel();
    return Object.assign(new FakeClassifier(), {
      bundle: { ...identity, labels },
      tokenizer: { maxLength: identity.maxLength },
      precision: identity.precision,
    });
  };

  it('lets the API answer what a worker computed, without enqueuing it (CACHE_API_LOOKUP=always)', async () => {
    // no timeout turns a hit into a miss on a loaded machine
    const config = loadConfig({ REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, CACHE_L2_TIMEOUT_MS: '1000', CACHE_API_LOOKUP: 'always' });
    const api0 = (await ApiResultCache.create(config, new FakeClassifier(), { registry: new Registry() }))!;
    expect(api0.stats()).toMatchObject({ enabled: false });
    await api0.close();

    const worker = (await createWorkerResultCache(config, fakeEngine(), { registry: new Registry() }))!;
    await worker.classifier.classify(['lol', 'thanks!']);
    await worker.cache.drain();

    const fleet = new FakeClassifier();
    const api = (await ApiResultCache.create(config, fleet, { registry: new Registry() }))!;
    try {
      const out = await api.classify(['thanks!', 'never seen', 'lol']);
      expect(fleet.calls).toEqual([['never seen']]);
      expect(out.map((o) => 'labels' in o && o.model)).toEqual(['fake@rev1', 'fake@rev1', 'fake@rev1']);
      expect(api.stats()).toMatchObject({ model: 'fake@rev1', lookups: 3, hits: 2, firstSightings: 0, l2: { enabled: true, hits: 2 } });
    } finally {
      await api.close();
      await worker.close();
    }
  });

  it('passes a call of never-seen texts to the fleet, whose worker answers from L2; looks up from the second sighting (default)', async () => {
    const ns = `${prefix}-sighting`;
    const config = loadConfig({ REDIS_URL: redisUrl, QUEUE_PREFIX: ns, CACHE_L2_TIMEOUT_MS: '1000' });
    expect(config.cache.cacheApiLookup).toBe('second-sighting');
    // One worker computed two texts; the API's fleet is another worker (its L1 empty), as after a restart.
    const first = (await createWorkerResultCache(config, fakeEngine(), { registry: new Registry() }))!;
    await first.classifier.classify(['lol', 'thanks!']);
    await first.cache.drain();
    const engine = fakeEngine();
    const worker = (await createWorkerResultCache(config, engine, { registry: new Registry() }))!;
    const api = (await ApiResultCache.create(config, worker.classifier, { registry: new Registry() }))!;
    try {
      const texts = ['thanks!', 'never seen', 'lol'];
      const answered = await api.classify(texts, { includeScores: true });
      // Passed on as it came: the worker read L2 (two hits) and computed only the new text.
      expect(engine.calls).toEqual([['never seen']]);
      expect(worker.cache.stats()).toMatchObject({ l2: { enabled: true, hits: 2 } });
      expect(api.stats()).toMatchObject({ lookups: 0, firstSightings: 3, l2: { enabled: true, hits: 0, misses: 0 } });
      await worker.cache.drain();

      // Second sighting: the API looks the call up and answers all of it from L2, the same answers.
      const again = await api.classify(texts, { includeScores: true });
      expect(again).toEqual(answered);
      expect(engine.calls).toHaveLength(1);
      expect(api.stats()).toMatchObject({ lookups: 3, hits: 3, firstSightings: 3, l2: { enabled: true, hits: 3 } });
      // Third: from the API's L1.
      await api.classify(['lol']);
      expect(api.stats()).toMatchObject({ hits: 4, l1: { enabled: true, hits: 1 } });

      // A call with one seen text among new ones is looked up whole: one job for the call.
      await api.classify(['lol', 'brand new']);
      expect(engine.calls).toEqual([['never seen'], ['brand new']]);
      expect(api.stats()).toMatchObject({ lookups: 6, firstSightings: 3 });
    } finally {
      await api.close();
      await worker.close();
      await first.close();
      await unlinkMatching(redis, `${ns}:*`);
    }
  });

  it('stores a bulk text in L2 from its second computation with CACHE_BULK_ADMISSION=second-hit', async () => {
    const ns = `${prefix}-admit`;
    const config = loadConfig({ REDIS_URL: redisUrl, QUEUE_PREFIX: ns, CACHE_L2_TIMEOUT_MS: '1000', CACHE_BULK_ADMISSION: 'second-hit' });
    const worker = (await createWorkerResultCache(config, fakeEngine(), { registry: new Registry() }))!;
    try {
      const l2Keys = async () => (await redis.keys(`${worker.cache.namespace.prefix}*`)).length;
      await worker.classifier.classify(['backfilled once', 'said twice'], { priority: 'bulk' });
      await worker.cache.drain();
      expect(await l2Keys()).toBe(0);
      await worker.classifier.classify(['said twice'], { priority: 'bulk' });
      await worker.classifier.classify(['asked now'], { priority: 'interactive' });
      await worker.cache.drain();
      expect(await l2Keys()).toBe(2);
      expect(worker.cache.stats()).toMatchObject({ computed: 4, notAdmitted: 2 });
    } finally {
      await worker.close();
      await unlinkMatching(redis, `${ns}:*`);
    }
  });
});
