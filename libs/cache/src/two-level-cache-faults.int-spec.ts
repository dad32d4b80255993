// The L2 faults against the real Redis, through a TCP proxy in front of the one test Redis (Redis
// down, Redis paused, no Redis at start): the cache keeps answering from L1 + inference and
// recovers by itself. Verdicts are counts and the order of events (L2 attempts, keys skipped, a
// command still held by the proxy), never elapsed time.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '@emo/config';
import { createResultCache } from './create-result-cache';
import { createCacheRedis, type CacheRedis } from './l2/cache-redis';
import { unlinkMatching } from './l2/namespace-admin';
import { FakeClassifier, fakeModel } from './testing/fake-classifier';
import { FaultProxy } from './testing/fault-proxy';
import { makeTestCache, RecordingLogger, type TestCacheOptions } from './testing/l2-test-cache';
import { TwoLevelCache } from './two-level-cache';

const redisUrl = inject('redisUrl');
const prefix = `test-cache-faults-${randomUUID().slice(0, 8)}`;

describe.skipIf(!inject('redisAvailable'))(`${TwoLevelCache.name} with Redis`, () => {
  const clients: CacheRedis[] = [];
  const make = (client: CacheRedis, opts: TestCacheOptions = {}) => makeTestCache(prefix, client, opts);

  afterAll(async () => {
    const redis = createCacheRedis(redisUrl, 1000);
    await redis.connect();
    await unlinkMatching(redis, `${prefix}:*`);
    await Promise.all([...clients, redis].map((c) => c.quit().catch(() => c.disconnect())));
  });

  describe('faults', () => {
    let proxy: FaultProxy;

    beforeAll(async () => {
      const u = new URL(redisUrl);
      proxy = new FaultProxy({ host: u.hostname, port: Number(u.port || 6379) });
      await proxy.start();
    });

    afterAll(async () => {
      await proxy.stop();
    });

    it('keeps answering while L2 is down, logs once, and recovers by itself', async () => {
      const client = createCacheRedis(proxy.url, 100);
      clients.push(client);
      await client.connect();
      const logger = new RecordingLogger();
      const clock = { now: 0 };
      const { sut, inner, l2 } = make(client, { logger, timeoutMs: 100, retryMs: 50, now: () => clock.now });
      await sut.classifier(inner).classify(['warm']);
      await sut.drain();

      await proxy.setMode('down');
      // Each call comes after retryMs: it tries L2 once, fails, and answers from L1 + inference.
      for (let i = 0; i < 5; i++) {
        clock.now += 50;
        const out = await sut.classifier(inner).classify([`down ${i}`, 'warm']);
        expect(out[0]).toHaveProperty('labels');
        expect(out[1]).toHaveProperty('labels');
      }
      expect(l2.errors).toBe(5);
      // Within retryMs no call waits on Redis at all: L2 is not even asked (the keys are skipped).
      for (let i = 0; i < 5; i++)
        expect(await sut.classifier(inner).classify([`skipped ${i}`])).toEqual([expect.objectContaining({ model: 'fake@rev1' })]);
      expect(l2).toMatchObject({ errors: 5, skipped: 5 });
      expect(sut.stats().l2).toMatchObject({ state: 'down' });
      expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);

      await proxy.setMode('pass');
      if (client.status !== 'ready') await once(client, 'ready');
      for (let probe = 0; probe < 20 && l2.state !== 'up'; probe++) {
        clock.now += 50;
        await sut.classifier(inner).classify([`probe ${probe}`]);
      }
      expect(sut.stats().l2).toMatchObject({ state: 'up' });
      expect(logger.lines.at(-1)).toEqual({ level: 'info', msg: 'L2 cache recovered' });
      const fresh = make(client);
      await sut.classifier(inner).classify(['after recovery']);
      await sut.drain();
      await fresh.sut.classifier(fresh.inner).classify(['after recovery']);
      expect(fresh.inner.calls).toHaveLength(0);
    });

    it('answers within the L2 timeout while Redis is paused, then uses L2 again', async () => {
      const client = createCacheRedis(proxy.url, 100);
      clients.push(client);
      await client.connect();
      const clock = { now: 0 };
      const { sut, inner, l2 } = make(client, { timeoutMs: 80, retryMs: 50, now: () => clock.now });
      await proxy.setMode('paused');
      const out = await sut.classifier(inner).classify(['while paused']);
      // Answered while the proxy still holds the MGET: Redis never saw it, so the answer did not wait for Redis.
      expect(proxy.heldWrites).toBeGreaterThan(0);
      expect(out[0]).toHaveProperty('labels');
      expect(sut.stats().l2).toMatchObject({ state: 'down', errors: 1 });
      await proxy.setMode('pass');
      for (let probe = 0; probe < 20 && l2.state !== 'up'; probe++) {
        clock.now += 50;
        await sut.classifier(inner).classify([`after pause ${probe}`]);
      }
      await sut.drain();
      expect(sut.stats().l2).toMatchObject({ state: 'up' });
    });

    it('starts with L2 marked down when the cache Redis does not answer at all', async () => {
      const config = loadConfig({ QUEUE_PREFIX: prefix, CACHE_REDIS_URL: 'redis://127.0.0.1:1', CACHE_L2_TIMEOUT_MS: '50' });
      const logger = new RecordingLogger();
      const handle = (await createResultCache({
        config,
        model: fakeModel(),
        l2: true,
        registry: new Registry(),
        logger,
        connectTimeoutMs: 300,
      }))!;
      try {
        const inner = new FakeClassifier();
        const out = await handle.cache.classifier(inner).classify(['a', 'b']);
        expect(out.every((o) => 'labels' in o)).toBe(true);
        expect(logger.lines[0].msg).toContain('does not answer');
        expect(handle.cache.stats().l2).toMatchObject({ enabled: true, state: 'down' });
      } finally {
        await handle.close();
      }
    });
  });
});
