// Against the real Redis: L2 sharing between processes, TTLs, foreign values, namespace flush,
// the eviction-policy check, and the faults (Redis down, Redis paused) through a TCP proxy.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '@emo/config';
import { createCacheRedis, createResultCache } from './create-result-cache';
import { CacheNamespace } from './keys/cache-namespace';
import { L1ResultCache } from './l1/l1-result-cache';
import { checkEvictionPolicy } from './l2/eviction-policy-check';
import { L2ResultStore, type L2Options } from './l2/l2-result-store';
import { measureNamespace, unlinkMatching } from './l2/namespace-admin';
import { CacheMetrics } from './metrics/cache-metrics';
import { FakeClassifier, fakeModel } from './testing/fake-classifier';
import { FaultProxy } from './testing/fault-proxy';
import { TwoLevelCache } from './two-level-cache';

const redisUrl = inject('redisUrl');
const available = inject('redisAvailable');
const prefix = `test-cache-${randomUUID().slice(0, 8)}`;

class RecordingLogger {
  readonly lines: { level: string; msg: string }[] = [];
  warn(_obj: unknown, msg?: string) {
    this.lines.push({ level: 'warn', msg: msg ?? '' });
  }
  info(_obj: unknown, msg?: string) {
    this.lines.push({ level: 'info', msg: msg ?? '' });
  }
}

describe.skipIf(!available)(`${TwoLevelCache.name} with Redis`, () => {
  let redis: Redis;
  const clients: Redis[] = [];

  beforeAll(async () => {
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    await unlinkMatching(redis, `${prefix}:*`);
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await redis.quit();
  });

  function make(client: Redis, opts: Partial<L2Options> & { revision?: string; writeComputedToL2?: boolean } = {}) {
    const metrics = CacheMetrics.for(new Registry());
    const l2 = new L2ResultStore(client, { ttlSeconds: 60, timeoutMs: 100, retryMs: 100, logIntervalMs: 60_000, metrics, ...opts });
    const sut = new TwoLevelCache({
      namespace: new CacheNamespace(prefix, fakeModel(opts.revision)),
      l1: new L1ResultCache({ maxEntries: 100, maxBytes: 1 << 20, ttlSeconds: 60 }),
      l2,
      metrics,
      writeComputedToL2: opts.writeComputedToL2,
    });
    return { sut, l2, inner: new FakeClassifier(`fake@${opts.revision ?? 'rev1'}`) };
  }

  it('shares results between processes through L2, with a TTL on every entry', async () => {
    const a = make(redis);
    const b = make(redis);
    const first = await a.sut.classify(a.inner, ['lol', 'thanks!', '']);
    await a.sut.drain();
    const second = await b.sut.classify(b.inner, ['thanks!', 'lol', '']);
    expect(b.inner.calls).toEqual([['']]);
    expect(second[0]).toEqual(first[1]);
    expect(second[1]).toEqual(first[0]);
    expect(b.sut.stats().l2).toMatchObject({ enabled: true, state: 'up', hits: 2, misses: 1 });
    const ttl = await redis.pttl(a.sut.namespace.key('lol'));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(66_000);
  });

  it('leaves L2 to the computing side when writeComputedToL2 is off (the API in front of the fleet)', async () => {
    const { sut, inner } = make(redis, { revision: 'api-side', writeComputedToL2: false });
    await sut.classify(inner, ['only in L1']);
    await sut.drain();
    expect(await redis.exists(sut.namespace.key('only in L1'))).toBe(0);
    expect(sut.stats().l1).toMatchObject({ entries: 1 });
  });

  it('treats a foreign or corrupt value under a key as a miss and replaces it', async () => {
    const { sut, inner } = make(redis);
    const key = sut.namespace.key('ok then');
    await redis.set(key, JSON.stringify({ labels: [{ label: 'positive', score: 1 }], model: 'evil' }));
    const [out] = await sut.classify(inner, ['ok then']);
    expect(inner.calls).toEqual([['ok then']]);
    expect(out).toMatchObject({ model: 'fake@rev1' });
    expect(sut.stats().corrupt).toBe(1);
    await sut.drain();
    const stored = await redis.getBuffer(key);
    expect(stored?.[0]).toBe(0xc1);
  });

  it('flushes one model revision and leaves other revisions and other keys alone', async () => {
    const r1 = make(redis, { revision: 'r1' });
    const r2 = make(redis, { revision: 'r2' });
    await r1.sut.classify(r1.inner, ['a', 'b', 'c']);
    await r2.sut.classify(r2.inner, ['a', 'b']);
    await Promise.all([r1.sut.drain(), r2.sut.drain()]);
    await redis.set(`${prefix}:queue-thing`, '1');
    expect((await measureNamespace(redis, r1.sut.namespace.pattern())).keys).toBe(3);
    expect(await unlinkMatching(redis, r1.sut.namespace.pattern())).toBe(3);
    expect((await measureNamespace(redis, r1.sut.namespace.pattern())).keys).toBe(0);
    expect((await measureNamespace(redis, r2.sut.namespace.pattern())).keys).toBe(2);
    expect(await redis.get(`${prefix}:queue-thing`)).toBe('1');
  });

  it('reports the eviction policy, and warns when the cache shares a noeviction queue Redis', async () => {
    const policy = ((await redis.config('GET', 'maxmemory-policy')) as string[])[1];
    const shared = await checkEvictionPolicy(redis, true);
    expect(shared.policy).toBe(policy);
    if (policy === 'noeviction') {
      expect(shared.verdict).toBe('shared-noeviction');
      expect(shared.advice).toContain('CACHE_REDIS_URL');
    } else if (policy.endsWith('-lfu')) expect(shared.verdict).toBe('ok');
    else expect(shared.verdict).toBe('not-lfu');
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
      const { sut, inner } = make(client, { logger, retryMs: 50 });
      await sut.classify(inner, ['warm']);
      await sut.drain();

      await proxy.setMode('down');
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const out = await sut.classify(inner, [`down ${i}`, 'warm']);
        expect(out[0]).toHaveProperty('labels');
        expect(out[1]).toHaveProperty('labels');
        expect(performance.now() - started).toBeLessThan(1000);
        await new Promise((r) => setTimeout(r, 30));
      }
      expect(sut.stats().l2).toMatchObject({ state: 'down' });
      expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);

      await proxy.setMode('pass');
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && sut.stats().l2.enabled && (sut.stats().l2 as { state: string }).state !== 'up') {
        await sut.classify(inner, [`probe ${Date.now()}`]);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(sut.stats().l2).toMatchObject({ state: 'up' });
      expect(logger.lines.at(-1)).toEqual({ level: 'info', msg: 'L2 cache recovered' });
      const fresh = make(client);
      await sut.classify(inner, ['after recovery']);
      await sut.drain();
      await fresh.sut.classify(fresh.inner, ['after recovery']);
      expect(fresh.inner.calls).toHaveLength(0);
    });

    it('answers within the L2 timeout while Redis is paused, then uses L2 again', async () => {
      const client = createCacheRedis(proxy.url, 100);
      clients.push(client);
      await client.connect();
      const { sut, inner } = make(client, { timeoutMs: 80, retryMs: 50 });
      await proxy.setMode('paused');
      const started = performance.now();
      const out = await sut.classify(inner, ['while paused']);
      expect(out[0]).toHaveProperty('labels');
      expect(performance.now() - started).toBeLessThan(1000);
      expect(sut.stats().l2).toMatchObject({ state: 'down', errors: 1 });
      await proxy.setMode('pass');
      await new Promise((r) => setTimeout(r, 100));
      await sut.classify(inner, ['after pause']);
      await sut.drain();
      expect(sut.stats().l2).toMatchObject({ state: 'up' });
    });

    it('starts with L2 marked down when the cache Redis does not answer at all', async () => {
      const config = loadConfig({ QUEUE_PREFIX: prefix, CACHE_REDIS_URL: 'redis://127.0.0.1:1', CACHE_L2_TIMEOUT_MS: '50' });
      const logger = new RecordingLogger();
      const handle = (await createResultCache({ config, model: fakeModel(), l2: true, registry: new Registry(), logger, connectTimeoutMs: 300 }))!;
      try {
        const inner = new FakeClassifier();
        const out = await handle.cache.classify(inner, ['a', 'b']);
        expect(out.every((o) => 'labels' in o)).toBe(true);
        expect(logger.lines[0].msg).toContain('does not answer');
        expect(handle.cache.stats().l2).toMatchObject({ enabled: true, state: 'down' });
      } finally {
        await handle.close();
      }
    });
  });
});
