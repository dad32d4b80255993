// Start-up check of the cache Redis: L2 wants an LFU eviction policy (allkeys-lfu, aging via
// lfu-decay-time), while BullMQ needs noeviction. When the cache shares the queue's Redis the
// check warns and says how to separate them (CACHE_REDIS_URL).
import type { CacheRedis } from './cache-redis';

export type PolicyVerdict = 'ok' | 'shared-noeviction' | 'not-lfu' | 'unknown';

export interface EvictionPolicyCheck {
  readonly policy?: string;
  readonly maxmemoryBytes?: number;
  readonly verdict: PolicyVerdict;
  /** What to do about it; absent when the verdict is ok. */
  readonly advice?: string;
}

export async function checkEvictionPolicy(redis: CacheRedis, sharesQueueRedis: boolean): Promise<EvictionPolicyCheck> {
  let policy: string | undefined;
  let maxmemoryBytes: number | undefined;
  try {
    const [p, m] = await Promise.all([redis.config('GET', 'maxmemory-policy'), redis.config('GET', 'maxmemory')]);
    policy = (p as string[])[1];
    maxmemoryBytes = Number((m as string[])[1]);
  } catch (e) {
    return {
      verdict: 'unknown',
      advice: `cannot read the cache Redis eviction policy (CONFIG GET failed: ${(e as Error).message}); make sure it runs maxmemory-policy allkeys-lfu`,
    };
  }
  if (policy === 'allkeys-lfu' || policy === 'volatile-lfu') {
    const advice = maxmemoryBytes === 0 ? 'maxmemory is 0 (unbounded): set maxmemory so LFU eviction can work' : undefined;
    return { policy, maxmemoryBytes, verdict: 'ok', ...(advice ? { advice } : {}) };
  }
  if (policy === 'noeviction' && sharesQueueRedis) {
    return {
      policy,
      maxmemoryBytes,
      verdict: 'shared-noeviction',
      advice:
        'the result cache shares the queue Redis (CACHE_REDIS_URL unset or equal to REDIS_URL), which runs noeviction as BullMQ requires: ' +
        'cache entries then only leave by TTL, and a full Redis rejects queue writes. Point CACHE_REDIS_URL at a separate Redis with ' +
        'maxmemory set and maxmemory-policy allkeys-lfu',
    };
  }
  return {
    policy,
    maxmemoryBytes,
    verdict: 'not-lfu',
    advice: `the cache Redis runs maxmemory-policy ${policy}; set allkeys-lfu so rarely used results are evicted first`,
  };
}
