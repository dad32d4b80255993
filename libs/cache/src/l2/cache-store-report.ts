// What `emo cache stats` reports about the shared L2 from outside any process: the eviction
// policy check, instance memory and hit counters (INFO), and the keys of one model's namespace.
// On a Redis Cluster every master is read (INFO on the cluster client would ask one node): memory
// and counters are the masters' sums.
import { cacheNodes, type CacheRedis } from './cache-redis';
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
    Promise.all(cacheNodes(redis).map((node) => node.info().catch(() => ''))),
  ]);
  // A field every master reported, summed; undefined when one did not (a reading of part of the cluster is no total).
  const field = (name: string) => {
    const values = info.map((text) => new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1]);
    return values.length > 0 && values.every((v) => v !== undefined) ? values.reduce((sum, v) => sum + Number(v), 0) : undefined;
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
