// Builds the result cache of one model from the app config: L1 always (when CACHE_ENABLED), L2
// when asked for, on CACHE_REDIS_URL (default REDIS_URL) with the eviction-policy check at start.
// A Redis that is down at start is not fatal: L2 stays marked down and is retried (see L2ResultStore).
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { AppConfig } from '@emo/config';
import type { Logger } from '@emo/profiler';
import { CacheNamespace, type CacheModelIdentity } from './keys/cache-namespace';
import { L1ResultCache } from './l1/l1-result-cache';
import { checkEvictionPolicy, type EvictionPolicyCheck } from './l2/eviction-policy-check';
import { L2ResultStore } from './l2/l2-result-store';
import { CacheMetrics } from './metrics/cache-metrics';
import { TwoLevelCache } from './two-level-cache';

export type CacheConfig = Pick<AppConfig, 'cache' | 'runtime' | 'engine'>;

export interface ResultCacheSetup {
  readonly config: CacheConfig;
  readonly model: CacheModelIdentity;
  /** Use the Redis L2 (fleet: CACHE_L2_ENABLED; CLI: CACHE_CLI_L2). */
  readonly l2: boolean;
  readonly registry?: Registry;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
  /** How long start-up waits for the cache Redis before going on with L2 marked down. */
  readonly connectTimeoutMs?: number;
}

export interface ResultCacheHandle {
  readonly cache: TwoLevelCache;
  readonly redis?: Redis;
  readonly policy?: EvictionPolicyCheck;
  close(): Promise<void>;
}

/** The cache Redis URL: CACHE_REDIS_URL, else the queue's REDIS_URL. */
export const cacheRedisUrlOf = (config: Pick<AppConfig, 'runtime'>): string => config.runtime.cacheRedisUrl ?? config.runtime.redisUrl;

/** An ioredis client for L2: no offline queue (a down Redis fails fast), reconnects forever with backoff. */
export function createCacheRedis(url: string, timeoutMs: number): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(1000, timeoutMs * 10),
    commandTimeout: Math.max(timeoutMs * 4, 200),
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  redis.on('error', () => undefined); // outages are reported by L2ResultStore, once per interval
  return redis;
}

export async function createResultCache(setup: ResultCacheSetup): Promise<ResultCacheHandle | undefined> {
  const { config, model, logger } = setup;
  if (!config.cache.cacheEnabled) return undefined;
  const metrics = CacheMetrics.for(setup.registry);
  const l1 = new L1ResultCache({ maxEntries: config.cache.cacheL1MaxEntries, maxBytes: config.cache.cacheL1MaxBytes, ttlSeconds: config.cache.cacheL1TtlSeconds });
  let redis: Redis | undefined;
  let l2: L2ResultStore | undefined;
  let policy: EvictionPolicyCheck | undefined;
  if (setup.l2) {
    redis = createCacheRedis(cacheRedisUrlOf(config), config.cache.cacheL2TimeoutMs);
    l2 = new L2ResultStore(redis, { ttlSeconds: config.cache.cacheL2TtlSeconds, timeoutMs: config.cache.cacheL2TimeoutMs, retryMs: config.cache.cacheL2RetryMs, logIntervalMs: config.cache.cacheL2LogIntervalMs, metrics, logger });
    const connected = await connectWithin(redis, setup.connectTimeoutMs ?? 2000);
    if (connected) {
      const sharesQueueRedis = config.runtime.cacheRedisUrl === undefined || config.runtime.cacheRedisUrl === config.runtime.redisUrl;
      policy = await checkEvictionPolicy(redis, sharesQueueRedis);
      if (policy.advice) logger?.warn({ policy: policy.policy, verdict: policy.verdict }, `result cache: ${policy.advice}`);
    } else {
      logger?.warn({ timeoutMs: setup.connectTimeoutMs ?? 2000 }, 'result cache: the cache Redis does not answer; starting with L1 only, L2 is retried in the background');
    }
  }
  const cache = new TwoLevelCache({
    namespace: new CacheNamespace(config.runtime.queuePrefix, model, config.cache.cacheTextNormalization),
    l1,
    l2,
    metrics,
    includeScores: config.engine.includeScores,
    maxTextChars: config.engine.maxTextChars,
    compression: config.cache.cacheL2Compression,
    compressMinBytes: config.cache.cacheL2CompressMinBytes,
    scoreEncoding: config.cache.cacheScoreEncoding,
    policy,
  });
  return {
    cache,
    redis,
    policy,
    async close() {
      await cache.close();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}

async function connectWithin(redis: Redis, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  const connect = redis.connect().then(
    () => true,
    () => false,
  );
  const ok = await Promise.race([connect, timeout]).finally(() => clearTimeout(timer));
  return ok;
}
