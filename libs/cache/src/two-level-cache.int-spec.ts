// Against the real Redis: L2 sharing between processes, TTLs, foreign values, namespace flush,
// the eviction-policy check, and one L2 read per text on the API → fleet → worker path; on the one
// test Redis and, when the global setup started one (REQUIRE_REDIS_CLUSTER=1), on the test Redis
// Cluster too (CACHE_REDIS_CLUSTER_NODES: one MGET per slot). The faults: two-level-cache-faults.int-spec.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Classifier, ClassifyOptions } from '@emo/contracts';
import { createCacheRedis, type CacheRedis } from './l2/cache-redis';
import { checkEvictionPolicy } from './l2/eviction-policy-check';
import { keySlot } from '@emo/config';
import { measureNamespace, unlinkMatching } from './l2/namespace-admin';
import { makeTestCache, type TestCacheOptions } from './testing/l2-test-cache';
import { TwoLevelCache } from './two-level-cache';

const clusterNodes = inject('redisClusterNodes');
/** Where L2 is: the one test Redis, or the test Redis Cluster (skipped without one). */
const TARGETS = [
  { name: 'Redis', cluster: false, available: inject('redisAvailable'), target: inject('redisUrl') },
  {
    name: 'a Redis Cluster',
    cluster: true,
    available: clusterNodes !== '',
    target: {
      kind: 'cluster' as const,
      nodes: clusterNodes
        .split(',')
        .filter(Boolean)
        .map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) })),
    },
  },
];

describe.each(TARGETS)(`${TwoLevelCache.name} with $name`, ({ available, cluster, target }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const prefix = `test-cache-${randomUUID().slice(0, 8)}`;
  let redis: CacheRedis;
  const clients: CacheRedis[] = [];
  /** A connected client of the target. */
  const connect = async () => {
    const client = createCacheRedis(target, 1000);
    await client.connect(); // connected before the first test's L2 timeout starts counting
    return client;
  };
  /** Keys that exist among `keys` (one EXISTS each: on a cluster they are in different slots). */
  const existing = async (keys: readonly string[]) => (await Promise.all(keys.map((k) => redis.exists(k)))).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    redis = await connect();
  });

  afterAll(async () => {
    await unlinkMatching(redis, `${prefix}:*`);
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await redis.quit();
  });

  const make = (client: CacheRedis, opts: TestCacheOptions = {}) => makeTestCache(prefix, client, opts);

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

  it('writes a batch past one SET_MANY command byte for byte, each entry with a TTL', async () => {
    const a = make(redis, { revision: 'set-many' });
    // 1,100 distinct texts: three SET_MANY commands on one Redis (512 a command), SETs on a cluster.
    const texts = Array.from({ length: 1100 }, (_, i) => `batch text ${i} ${'x'.repeat(i % 7)}`);
    const results = await a.sut.classifier(a.inner).classify(texts, { includeScores: true });
    await a.sut.drain();
    const keys = texts.map((t) => a.sut.namespace.key(t));
    const at = [0, 1, 511, 512, 513, 1023, 1024, 1099];
    const picked = at.map((i) => keys[i]);
    const stored = await Promise.all(picked.map((k) => redis.getBuffer(k)));
    // Each stored value decodes (version, length and CRC intact) to exactly the result of its own text.
    at.forEach((i, n) => expect(a.sut.codec.decode(stored[n]!, true), texts[i]).toEqual(results[i]));
    const ttls = await Promise.all(picked.map((k) => redis.pttl(k)));
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(66_000);
    }
    expect(await existing(keys)).toBe(texts.length);
  });

  it('puts a bulk result in L2 only, and in L1 when L2 answers it; interactive results in both at once', async () => {
    const { sut, inner } = make(redis, { revision: 'bulk-l1' });
    const [once] = await sut.classifier(inner).classify(['backfilled'], { priority: 'bulk' });
    await sut.classifier(inner).classify(['asked now'], { priority: 'interactive' });
    await sut.drain();
    expect(await existing(['backfilled', 'asked now'].map((t) => sut.namespace.key(t)))).toBe(2);
    expect(sut.stats().l1).toMatchObject({ entries: 1 }); // 'asked now'
    // Seen again: L2 answers it (no second computation) and it enters L1, whose next answer is the same.
    expect(await sut.classifier(inner).classify(['backfilled'], { priority: 'bulk' })).toEqual([once]);
    expect(sut.stats()).toMatchObject({ computed: 2, l1: { entries: 2 }, l2: { hits: 1 } });
    await redis.unlink(sut.namespace.key('backfilled'));
    expect(await sut.classifier(inner).classify(['backfilled'], { priority: 'bulk' })).toEqual([once]);
    expect(inner.calls).toEqual([['backfilled'], ['asked now']]);
  });

  it('leaves L2 to the computing side when writeComputedToL2 is off (the API in front of the fleet)', async () => {
    const { sut, inner } = make(redis, { revision: 'api-side', writeComputedToL2: false });
    await sut.classifier(inner).classify(['only in L1']);
    await sut.drain();
    expect(await existing([sut.namespace.key('only in L1')])).toBe(0);
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
    if (cluster) {
      // Every master is read (test clusters run noeviction; l2/eviction-policy-cluster.int-spec may hold one
      // master on volatile-lfu meanwhile, so the others still say noeviction).
      const shared = await checkEvictionPolicy(redis, true);
      expect(shared).toMatchObject({ verdict: 'shared-noeviction', masters: 3 });
      expect(shared.policy?.split(',')).toContain('noeviction');
      return;
    }
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
      const client = await connect();
      clients.push(client);
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
    function path(client: CacheRedis, revision: string) {
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
      const out = await api.classify(['one', 'two', 'one', 'three'], { priority: 'interactive' });
      await worker.sut.drain();
      expect(out.every((o) => 'labels' in o)).toBe(true);
      // One MGET (on a cluster one per slot of the three keys) asking for each text once.
      const slots = (texts: string[]) => new Set(texts.map((t) => keySlot(apiCache.namespace.key(t)))).size;
      const perRead = cluster ? slots(['one', 'two', 'three']) : 1;
      expect(reads).toEqual({ mgets: perRead, keys: 3 });
      expect(sent).toEqual([expect.objectContaining({ cacheChecked: true })]);
      expect(worker.inner.calls).toEqual([['one', 'two', 'three']]);
      expect(worker.sut.stats()).toMatchObject({ computed: 3, l1: { entries: 3 }, l2: { hits: 0, misses: 0 } });
      expect(await existing(['one', 'two', 'three'].map((t) => apiCache.namespace.key(t)))).toBe(3);

      // Another API pod (cold L1) finds all three in L2 with one more read each, and never reaches the fleet.
      const pod2 = make(client, { revision: 'one-read', writeComputedToL2: false });
      expect(await pod2.sut.classifier(fleet).classify(['three', 'one', 'two'], { priority: 'interactive' })).toEqual([
        out[3],
        out[0],
        out[1],
      ]);
      expect(reads).toEqual({ mgets: 2 * perRead, keys: 6 });
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
});
