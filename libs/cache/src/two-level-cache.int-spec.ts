// Against the real Redis: L2 sharing between processes, TTLs, foreign values, namespace flush,
// the eviction-policy check, one L2 read per text on the API → fleet → worker path, and the faults
// (Redis down, Redis paused) through a TCP proxy. Fault verdicts are counts and the order of
// events (L2 attempts, keys skipped, a command still held by the proxy), never elapsed time.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '@emo/config';
import type { Classifier, ClassifyOptions } from '@emo/contracts';
import { createResultCache } from './create-result-cache';
import { CacheNamespace } from './keys/cache-namespace';
import { L1ResultCache } from './l1/l1-result-cache';
import { createCacheRedis } from './l2/cache-redis';
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
    await redis.ping(); // connected before the first test's L2 timeout starts counting
  });

  afterAll(async () => {
    await unlinkMatching(redis, `${prefix}:*`);
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await redis.quit();
  });

  function make(client: Redis, opts: Partial<L2Options> & { revision?: string; writeComputedToL2?: boolean } = {}) {
    const metrics = CacheMetrics.for(new Registry());
    // A generous L2 timeout: a loaded machine must not turn a hit into a timeout; the fault tests set their own.
    const l2 = new L2ResultStore(client, { ttlSeconds: 60, timeoutMs: 1000, retryMs: 100, logIntervalMs: 60_000, metrics, ...opts });
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
    const first = await a.sut.classifier(a.inner).classify(['lol', 'thanks!', '']);
    await a.sut.drain();
    const second = await b.sut.classifier(b.inner).classify(['thanks!', 'lol', '']);
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
    await sut.classifier(inner).classify(['only in L1']);
    await sut.drain();
    expect(await redis.exists(sut.namespace.key('only in L1'))).toBe(0);
    expect(sut.stats().l1).toMatchObject({ entries: 1 });
  });

  it('treats a foreign or corrupt value under a key as a miss and replaces it', async () => {
    const { sut, inner } = make(redis);
    const key = sut.namespace.key('ok then');
    await redis.set(key, JSON.stringify({ labels: [{ label: 'positive', score: 1 }], model: 'evil' }));
    const [out] = await sut.classifier(inner).classify(['ok then']);
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
    await r1.sut.classifier(r1.inner).classify(['a', 'b', 'c']);
    await r2.sut.classifier(r2.inner).classify(['a', 'b']);
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

  describe('one L2 read per text on a request path (API → fleet → worker)', () => {
    /** A client on the test Redis that counts MGETs and the keys they ask for. */
    async function countingRedis() {
      const client = new Redis(redisUrl);
      clients.push(client);
      await client.ping();
      const reads = { mgets: 0, keys: 0 };
      const mgetBuffer = client.mgetBuffer.bind(client) as (...keys: string[]) => Promise<(Buffer | null)[]>;
      Object.assign(client, {
        mgetBuffer: (...keys: string[]) => {
          reads.mgets++;
          reads.keys += keys.length;
          return mgetBuffer(...keys);
        },
      });
      return { client, reads };
    }

    /** The API's cache in front of a fleet whose worker has its own cache; the fleet carries the options as the queue does. */
    function path(client: Redis, revision: string) {
      const worker = make(client, { revision });
      const sent: (ClassifyOptions | undefined)[] = [];
      const fleet: Classifier = {
        classify: (texts, options) => {
          sent.push(options);
          return worker.sut.classifier(worker.inner).classify(texts, options);
        },
      };
      const api = make(client, { revision, writeComputedToL2: false });
      return { api: api.sut.classifier(fleet), apiCache: api.sut, worker, sent, fleet };
    }

    it('reads L2 once per text (on the API), and the worker still writes L1 + L2', async () => {
      const { client, reads } = await countingRedis();
      const { api, apiCache, worker, sent, fleet } = path(client, 'one-read');
      const out = await api.classify(['one', 'two', 'one', 'three']);
      await worker.sut.drain();
      expect(out.every((o) => 'labels' in o)).toBe(true);
      expect(reads).toEqual({ mgets: 1, keys: 3 });
      expect(sent).toEqual([expect.objectContaining({ cacheChecked: true })]);
      expect(worker.inner.calls).toEqual([['one', 'two', 'three']]);
      expect(worker.sut.stats()).toMatchObject({ computed: 3, l1: { entries: 3 }, l2: { hits: 0, misses: 0 } });
      expect(await redis.exists(...['one', 'two', 'three'].map((t) => apiCache.namespace.key(t)))).toBe(3);

      // Another API pod (cold L1) finds all three in L2 with one more read each, and never reaches the fleet.
      const pod2 = make(client, { revision: 'one-read', writeComputedToL2: false });
      expect(await pod2.sut.classifier(fleet).classify(['three', 'one', 'two'])).toEqual([out[3], out[0], out[1]]);
      expect(reads).toEqual({ mgets: 2, keys: 6 });
      expect(sent).toHaveLength(1);
    });

    it('lets the worker look in L2 itself when the API could not (its L2 down)', async () => {
      const { client, reads } = await countingRedis();
      const down = createCacheRedis('redis://127.0.0.1:1', 50); // never connected: every command fails at once
      clients.push(down);
      const worker = make(client, { revision: 'api-l2-down' });
      await worker.sut.classifier(worker.inner).classify(['known']);
      await worker.sut.drain();
      const sent: (ClassifyOptions | undefined)[] = [];
      const fleet: Classifier = {
        classify: (texts, options) => {
          sent.push(options);
          return make(client, { revision: 'api-l2-down' }).sut.classifier(worker.inner).classify(texts, options);
        },
      };
      const api = make(down, { revision: 'api-l2-down', writeComputedToL2: false });
      const before = reads.keys;
      await api.sut.classifier(fleet).classify(['known']);
      expect(sent).toEqual([expect.not.objectContaining({ cacheChecked: true })]);
      expect(reads.keys - before).toBe(1); // the (other) worker's L2 read found it
      expect(worker.inner.calls).toEqual([['known']]);
    });
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
