// The one place result caches are built from the app config. `open` makes what every cache of a
// process shares: the Prometheus collectors and, with L2, the cache Redis client, its
// L2ResultStore and the eviction-policy check at start. `cacheFor(model)` then builds the
// TwoLevelCache of one model on them: once in the CLI and the worker (createResultCache), again in
// the API whenever the model the workers advertise changes (ApiResultCache). A cache Redis that is
// down at start is not fatal: L2 stays marked down and is retried (see L2ResultStore).
import type { Registry } from 'prom-client';
import type { AppConfig } from '@emo/config';
import type { Logger } from '@emo/profiler';
import { doorkeeperCapacity } from './admission/first-sightings';
import { CacheNamespace, type CacheModelIdentity } from './keys/cache-namespace';
import { L1ResultCache } from './l1/l1-result-cache';
import { cacheEndpointOf, cacheSharesQueueRedis, connectWithin, createCacheRedis, type CacheRedis } from './l2/cache-redis';
import { checkEvictionPolicy, type EvictionPolicyCheck } from './l2/eviction-policy-check';
import { L2ResultStore } from './l2/l2-result-store';
import { processPolicyWarning } from './l2/policy-warning';
import { CacheMetrics } from './metrics/cache-metrics';
import { TwoLevelCache } from './two-level-cache';

/** The sections of the app config a result cache reads. */
export type ResultCacheConfig = Pick<AppConfig, 'cache' | 'runtime' | 'engine'>;

export interface ResultCacheFactorySetup {
  readonly config: ResultCacheConfig;
  /** Use the Redis L2 (fleet: CACHE_L2_ENABLED; CLI: CACHE_CLI_L2). */
  readonly l2: boolean;
  readonly registry?: Registry;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
  /** How long start-up waits for the cache Redis before going on with L2 marked down (default 2 s). */
  readonly connectTimeoutMs?: number;
}

export interface CacheForOptions {
  /**
   * Write what the inner classifier computed to L2 (default true). The API says false: its inner
   * classifier is the fleet, whose workers already stored every result they computed in L2.
   */
  readonly writeComputedToL2?: boolean;
  /**
   * Pass a call whose texts this cache has never seen straight to the inner classifier, uncached
   * (CACHE_API_LOOKUP=second-sighting in the API: the workers behind it look those texts up).
   */
  readonly passFirstSightings?: boolean;
}

export class ResultCacheFactory {
  private constructor(
    private readonly config: ResultCacheConfig,
    private readonly metrics: CacheMetrics,
    readonly redis?: CacheRedis,
    readonly l2?: L2ResultStore,
    readonly policy?: EvictionPolicyCheck,
  ) {}

  /** undefined when CACHE_ENABLED=false. */
  static async open(setup: ResultCacheFactorySetup): Promise<ResultCacheFactory | undefined> {
    const { config, logger } = setup;
    if (!config.cache.cacheEnabled) return undefined;
    const metrics = CacheMetrics.for(setup.registry);
    if (!setup.l2) return new ResultCacheFactory(config, metrics);
    const redis = createCacheRedis(cacheEndpointOf(config), config.cache.cacheL2TimeoutMs);
    const l2 = new L2ResultStore(redis, {
      ttlSeconds: config.cache.cacheL2TtlSeconds,
      timeoutMs: config.cache.cacheL2TimeoutMs,
      retryMs: config.cache.cacheL2RetryMs,
      logIntervalMs: config.cache.cacheL2LogIntervalMs,
      metrics,
      logger,
    });
    const connectTimeoutMs = setup.connectTimeoutMs ?? 2000;
    let policy: EvictionPolicyCheck | undefined;
    if (await connectWithin(redis, connectTimeoutMs)) {
      policy = await checkEvictionPolicy(redis, cacheSharesQueueRedis(config));
      processPolicyWarning.warn(policy, logger, config.cache.cachePolicyWarning);
    } else {
      logger?.warn(
        { timeoutMs: connectTimeoutMs },
        'result cache: the cache Redis does not answer; starting with L1 only, L2 is retried in the background',
      );
    }
    return new ResultCacheFactory(config, metrics, redis, l2, policy);
  }

  /** The cache of one model: its own L1 and namespace, the shared L2. Close it when the model goes. */
  cacheFor(model: CacheModelIdentity, opts: CacheForOptions = {}): TwoLevelCache {
    const c = this.config;
    return new TwoLevelCache({
      namespace: new CacheNamespace(c.runtime.queuePrefix, model, c.cache.cacheTextNormalization),
      l1: new L1ResultCache({
        maxEntries: c.cache.cacheL1MaxEntries,
        maxBytes: c.cache.cacheL1MaxBytes,
        ttlSeconds: c.cache.cacheL1TtlSeconds,
      }),
      l2: this.l2,
      metrics: this.metrics,
      includeScores: c.engine.includeScores,
      maxTextChars: c.engine.maxTextChars,
      compression: c.cache.cacheL2Compression,
      compressMinBytes: c.cache.cacheL2CompressMinBytes,
      scoreEncoding: c.cache.cacheScoreEncoding,
      bulkAdmission: c.cache.cacheBulkAdmission,
      policy: this.policy,
      writeComputedToL2: opts.writeComputedToL2,
      firstSightingCapacity: opts.passFirstSightings ? doorkeeperCapacity(c.cache.cacheL1MaxEntries) : undefined,
    });
  }

  /** Quits the cache Redis; the caches built here are closed by their owners first. */
  async close(): Promise<void> {
    const redis = this.redis;
    if (redis) await redis.quit().catch(() => redis.disconnect());
  }
}
