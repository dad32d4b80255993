// Start-up check of the cache Redis: L2 wants an LFU eviction policy (allkeys-lfu, aging via
// lfu-decay-time), while BullMQ needs noeviction. When the cache shares the queue's Redis the
// check warns and says how to separate them (CACHE_REDIS_URL / CACHE_REDIS_CLUSTER_NODES). On a
// Redis Cluster each master evicts by its own settings, so every master is read and the verdict is
// the worst of theirs (CONFIG GET on the cluster client would ask one node only).
import type { Redis } from 'ioredis';
import { cacheNodes, type CacheRedis } from './cache-redis';

export type PolicyVerdict = 'ok' | 'shared-noeviction' | 'not-lfu' | 'unknown';

export interface EvictionPolicyCheck {
  /** The policy; on a cluster the masters' policy, or their different policies joined by ','. */
  readonly policy?: string;
  /** maxmemory; on a cluster the masters' sum, 0 (no limit) when any master has none. */
  readonly maxmemoryBytes?: number;
  readonly verdict: PolicyVerdict;
  /** What to do about it; absent when the verdict is ok. */
  readonly advice?: string;
  /** On a cluster: the masters read. */
  readonly masters?: number;
}

/** How bad each verdict is: a cluster's verdict is its worst master's. */
const SEVERITY: Readonly<Record<PolicyVerdict, number>> = { ok: 0, unknown: 1, 'not-lfu': 2, 'shared-noeviction': 3 };

const SHARED_ADVICE =
  'the result cache shares the queue Redis (CACHE_REDIS_URL / CACHE_REDIS_CLUSTER_NODES unset or naming the queue endpoint), which runs noeviction as BullMQ requires: ' +
  'cache entries then only leave by TTL, and a full Redis rejects queue writes. Point CACHE_REDIS_URL (or CACHE_REDIS_CLUSTER_NODES) at a separate Redis with ' +
  'maxmemory set and maxmemory-policy allkeys-lfu';

async function readSettings(node: Redis): Promise<{ policy: string; maxmemoryBytes: number }> {
  const [p, m] = await Promise.all([node.config('GET', 'maxmemory-policy'), node.config('GET', 'maxmemory')]);
  return { policy: (p as string[])[1], maxmemoryBytes: Number((m as string[])[1]) };
}

function verdictOf(policy: string, maxmemoryBytes: number, sharesQueueRedis: boolean): EvictionPolicyCheck {
  if (policy === 'allkeys-lfu' || policy === 'volatile-lfu') {
    const advice = maxmemoryBytes === 0 ? 'maxmemory is 0 (unbounded): set maxmemory so LFU eviction can work' : undefined;
    return { policy, maxmemoryBytes, verdict: 'ok', ...(advice ? { advice } : {}) };
  }
  if (policy === 'noeviction' && sharesQueueRedis) return { policy, maxmemoryBytes, verdict: 'shared-noeviction', advice: SHARED_ADVICE };
  return {
    policy,
    maxmemoryBytes,
    verdict: 'not-lfu',
    advice: `the cache Redis runs maxmemory-policy ${policy}; set allkeys-lfu so rarely used results are evicted first`,
  };
}

export async function checkEvictionPolicy(redis: CacheRedis, sharesQueueRedis: boolean): Promise<EvictionPolicyCheck> {
  const nodes = cacheNodes(redis);
  let settings: { policy: string; maxmemoryBytes: number }[];
  try {
    settings = await Promise.all(nodes.map(readSettings));
    if (nodes.length === 0) throw new Error('the cluster client knows no master');
  } catch (e) {
    return {
      verdict: 'unknown',
      advice: `cannot read the cache Redis eviction policy (CONFIG GET failed: ${(e as Error).message}); make sure it runs maxmemory-policy allkeys-lfu`,
    };
  }
  const checks = settings.map((s) => verdictOf(s.policy, s.maxmemoryBytes, sharesQueueRedis));
  if (!redis.isCluster) return checks[0];
  const worst = checks.reduce((a, b) => (SEVERITY[b.verdict] > SEVERITY[a.verdict] ? b : a));
  const policies = [...new Set(settings.map((s) => s.policy))];
  const bounded = settings.every((s) => s.maxmemoryBytes > 0);
  const where = checks.filter((c) => c.advice !== undefined && c.advice === worst.advice).length;
  const advice = worst.advice && `${where} of ${nodes.length} masters: ${worst.advice}`;
  return {
    policy: policies.join(','),
    maxmemoryBytes: bounded ? settings.reduce((sum, s) => sum + s.maxmemoryBytes, 0) : 0,
    verdict: worst.verdict,
    ...(advice ? { advice } : {}),
    masters: nodes.length,
  };
}
