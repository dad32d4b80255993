// Worker and API caches on the real Redis: the worker advertises its model and fills L2; the API
// keys by the advertised model and answers hits without reaching the fleet.
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

  it('lets the API answer what a worker computed, without enqueuing it', async () => {
    const config = loadConfig({ REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, CACHE_L2_TIMEOUT_MS: '1000' }); // no timeout turns a hit into a miss on a loaded machine
    const { labels, ...identity } = fakeModel();
    const engine = Object.assign(new FakeClassifier(), {
      bundle: { ...identity, labels },
      tokenizer: { maxLength: identity.maxLength },
      precision: identity.precision,
    });
    const api0 = (await ApiResultCache.create(config, new FakeClassifier(), { registry: new Registry() }))!;
    expect(api0.stats()).toMatchObject({ enabled: false });
    await api0.close();

    const worker = (await createWorkerResultCache(config, engine, { registry: new Registry() }))!;
    await worker.classifier.classify(['lol', 'thanks!']);
    await worker.cache.drain();

    const fleet = new FakeClassifier();
    const api = (await ApiResultCache.create(config, fleet, { registry: new Registry() }))!;
    try {
      const out = await api.classify(['thanks!', 'never seen', 'lol']);
      expect(fleet.calls).toEqual([['never seen']]);
      expect(out.map((o) => 'labels' in o && o.model)).toEqual(['fake@rev1', 'fake@rev1', 'fake@rev1']);
      expect(api.stats()).toMatchObject({ model: 'fake@rev1', lookups: 3, hits: 2, l2: { enabled: true, hits: 2 } });
    } finally {
      await api.close();
      await worker.close();
    }
  });

  it('stores a bulk text in L2 from its second computation with CACHE_BULK_ADMISSION=second-hit', async () => {
    const ns = `${prefix}-admit`;
    const config = loadConfig({ REDIS_URL: redisUrl, QUEUE_PREFIX: ns, CACHE_L2_TIMEOUT_MS: '1000', CACHE_BULK_ADMISSION: 'second-hit' });
    const { labels, ...identity } = fakeModel();
    const engine = Object.assign(new FakeClassifier(), {
      bundle: { ...identity, labels },
      tokenizer: { maxLength: identity.maxLength },
      precision: identity.precision,
    });
    const worker = (await createWorkerResultCache(config, engine, { registry: new Registry() }))!;
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
