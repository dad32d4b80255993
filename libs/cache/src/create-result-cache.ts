// The result cache of one model for a process that serves one model (the CLI, a worker): the
// factory's shared parts and the model's TwoLevelCache in one handle, closed together.
import type { CacheRedis } from './l2/cache-redis';
import type { CacheModelIdentity } from './keys/cache-namespace';
import type { EvictionPolicyCheck } from './l2/eviction-policy-check';
import { ResultCacheFactory, type ResultCacheFactorySetup } from './result-cache-factory';
import type { TwoLevelCache } from './two-level-cache';

export interface ResultCacheSetup extends ResultCacheFactorySetup {
  readonly model: CacheModelIdentity;
}

export interface ResultCacheHandle {
  readonly cache: TwoLevelCache;
  readonly redis?: CacheRedis;
  readonly policy?: EvictionPolicyCheck;
  close(): Promise<void>;
}

/** undefined when CACHE_ENABLED=false. Put it in front of a classifier with `handle.cache.classifier(inner)`. */
export async function createResultCache(setup: ResultCacheSetup): Promise<ResultCacheHandle | undefined> {
  const factory = await ResultCacheFactory.open(setup);
  if (!factory) return undefined;
  const cache = factory.cacheFor(setup.model);
  return {
    cache,
    redis: factory.redis,
    policy: factory.policy,
    async close() {
      await cache.close();
      await factory.close();
    },
  };
}
