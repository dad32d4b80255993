// The eviction-policy check on the test Redis Cluster reads every master (CONFIG GET on the
// cluster client asks one node, whichever ioredis picks): with one master set to volatile-lfu for
// the test (maxmemory stays 0, so nothing is ever evicted) and the others on noeviction, the
// verdict is the worst master's and names how many masters it is about. Skipped without the
// cluster (REQUIRE_REDIS_CLUSTER=1 starts it). The cluster is shared with specs running meanwhile:
// one master only is changed (so others still see noeviction on two), and it is put back after.
import type { Redis } from 'ioredis';
import { parseClusterNode } from '@emo/config';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cacheNodes, createCacheRedis, type CacheRedis } from './cache-redis';
import { checkEvictionPolicy } from './eviction-policy-check';

const nodes = inject('redisClusterNodes');

describe.skipIf(nodes === '')('eviction-policy check on a Redis Cluster', () => {
  let redis: CacheRedis;
  let changed: Redis;
  let before: string;

  beforeAll(async () => {
    redis = createCacheRedis({ kind: 'cluster', nodes: nodes.split(',').map(parseClusterNode) }, 5000);
    await redis.connect();
    const masters = cacheNodes(redis);
    expect(masters).toHaveLength(3);
    changed = masters[0];
    before = ((await changed.config('GET', 'maxmemory-policy')) as string[])[1];
    expect(before).toBe('noeviction');
    await changed.config('SET', 'maxmemory-policy', 'volatile-lfu');
  });
  afterAll(async () => {
    await changed?.config('SET', 'maxmemory-policy', before);
    redis?.disconnect();
  });

  it('checks every master: the worst verdict, the policies of all, and on how many masters', async () => {
    const shared = await checkEvictionPolicy(redis, true);
    expect(shared).toMatchObject({ verdict: 'shared-noeviction', maxmemoryBytes: 0, masters: 3 });
    expect(shared.policy?.split(',').sort()).toEqual(['noeviction', 'volatile-lfu']);
    expect(shared.advice).toMatch(/^2 of 3 masters: the result cache shares the queue Redis/);
    const own = await checkEvictionPolicy(redis, false);
    expect(own).toMatchObject({ verdict: 'not-lfu', masters: 3 });
    expect(own.advice).toMatch(/^2 of 3 masters: the cache Redis runs maxmemory-policy noeviction/);
  });
});
