// What `emo cache stats` reports about the shared L2 from outside any process: the eviction
// policy check, instance memory and hit counters (INFO), and the keys of one model's namespace.
import type { CacheRedis } from './cache-redis';
import type { CacheNamespace } from '../keys/cache-namespace';
import { checkEvictionPolicy, type EvictionPolicyCheck } from './eviction-policy-check';
import { measureNamespace } from './namespace-admin';

export interface CacheStoreReport {
  model: string;
  namespace: string;
  keys: number;
  approxBytes: number;
  /** Keys of every revision of this model name (older revisions expire by TTL or are flushed). */
  keysAllRevisions: number;
  policy: EvictionPolicyCheck;
  redis: { usedMemoryBytes?: number; maxmemoryBytes?: number; evictedKeys?: number; keyspaceHits?: number; keyspaceMisses?: number };
}

export async function cacheStoreReport(redis: CacheRedis, namespace: CacheNamespace, sharesQueueRedis: boolean): Promise<CacheStoreReport> {
  const [policy, mine, all, info] = await Promise.all([
    checkEvictionPolicy(redis, sharesQueueRedis),
    measureNamespace(redis, namespace.pattern()),
    measureNamespace(redis, namespace.pattern(true), 0),
    redis.info().catch(() => ''),
  ]);
  const field = (name: string) => {
    const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
    return m ? Number(m[1]) : undefined;
  };
  return {
    model: namespace.modelId,
    namespace: namespace.prefix,
    keys: mine.keys,
    approxBytes: mine.approxBytes,
    keysAllRevisions: all.keys,
    policy,
    redis: {
      usedMemoryBytes: field('used_memory'),
      maxmemoryBytes: policy.maxmemoryBytes,
      evictedKeys: field('evicted_keys'),
      keyspaceHits: field('keyspace_hits'),
      keyspaceMisses: field('keyspace_misses'),
    },
  };
}
