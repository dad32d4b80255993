// The API's cache in front of the fleet: texts whose result is in L1/L2 are answered without
// enqueuing; the rest go to the queue as one job (and duplicates in flight are sent once). The
// API never loads the model: it keys results by the identity the workers advertise, re-read
// every refreshMs so a model rollout switches namespaces; with none advertised it passes through.
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { AppConfig } from '@emo/config';
import type { Logger } from '@emo/profiler';
import type { CacheStats } from '../cache-stats';
import { cacheRedisUrlOf, createCacheRedis, type CacheConfig } from '../create-result-cache';
import { CacheNamespace, type CacheModelIdentity } from '../keys/cache-namespace';
import { L1ResultCache } from '../l1/l1-result-cache';
import { checkEvictionPolicy, type EvictionPolicyCheck } from '../l2/eviction-policy-check';
import { L2ResultStore } from '../l2/l2-result-store';
import { CacheMetrics } from '../metrics/cache-metrics';
import type { Classifier } from '@emo/contracts';
import { TwoLevelCache } from '../two-level-cache';
import { readAdvertisedModel } from './model-advert';

export type ApiCacheStats = CacheStats | { enabled: false; reason: string };

export class ApiResultCache {
  private current?: TwoLevelCache;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refreshing?: Promise<void>;

  private constructor(
    private readonly config: CacheConfig,
    private readonly redis: Redis,
    private readonly l2: L2ResultStore,
    private readonly metrics: CacheMetrics,
    private readonly policy: EvictionPolicyCheck | undefined,
    private readonly refreshMs: number,
    private readonly logger?: Pick<Logger, 'warn' | 'info'>,
  ) {}

  /** undefined when CACHE_ENABLED or CACHE_L2_ENABLED is off (the API has nothing to look up without L2). */
  static async create(config: AppConfig, deps: { logger?: Logger; registry?: Registry; refreshMs?: number } = {}): Promise<ApiResultCache | undefined> {
    if (!config.cache.cacheEnabled || !config.cache.cacheL2Enabled) return undefined;
    const metrics = CacheMetrics.for(deps.registry);
    const redis = createCacheRedis(cacheRedisUrlOf(config), config.cache.cacheL2TimeoutMs);
    const l2 = new L2ResultStore(redis, { ttlSeconds: config.cache.cacheL2TtlSeconds, timeoutMs: config.cache.cacheL2TimeoutMs, retryMs: config.cache.cacheL2RetryMs, logIntervalMs: config.cache.cacheL2LogIntervalMs, metrics, logger: deps.logger });
    const connected = await redis.connect().then(
      () => true,
      () => false,
    );
    const policy = connected ? await checkEvictionPolicy(redis, config.runtime.cacheRedisUrl === undefined || config.runtime.cacheRedisUrl === config.runtime.redisUrl) : undefined;
    if (policy?.advice) deps.logger?.warn({ policy: policy.policy, verdict: policy.verdict }, `result cache: ${policy.advice}`);
    const sut = new ApiResultCache(config, redis, l2, metrics, policy, deps.refreshMs ?? 10_000, deps.logger);
    await sut.refresh();
    return sut;
  }

  /** The fleet classifier behind the cache. */
  wrap(fleet: Classifier): Classifier {
    return {
      classify: async (texts, opts) => {
        if (performance.now() - this.checkedAt > this.refreshMs) await this.refresh();
        return this.current ? this.current.classify(fleet, texts, opts) : fleet.classify(texts, opts);
      },
    };
  }

  /** What GET /v1/cache/stats returns. */
  stats(): ApiCacheStats {
    return this.current?.stats() ?? { enabled: false, reason: 'no worker has advertised its model in the cache Redis yet' };
  }

  async close(): Promise<void> {
    await this.current?.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const model = await readAdvertisedModel(this.redis, this.config.runtime.queuePrefix).catch(() => undefined);
        if (model && !sameModel(model, this.current?.namespace.model)) {
          await this.current?.close();
          this.current = this.build(model);
          this.logger?.info({ model: this.current.namespace.modelId }, 'API result cache keyed to the served model');
        }
      } finally {
        this.checkedAt = performance.now();
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private build(model: CacheModelIdentity): TwoLevelCache {
    const c = this.config;
    return new TwoLevelCache({
      namespace: new CacheNamespace(c.runtime.queuePrefix, model, c.cache.cacheTextNormalization),
      l1: new L1ResultCache({ maxEntries: c.cache.cacheL1MaxEntries, maxBytes: c.cache.cacheL1MaxBytes, ttlSeconds: c.cache.cacheL1TtlSeconds }),
      l2: this.l2,
      metrics: this.metrics,
      includeScores: c.engine.includeScores,
      maxTextChars: c.engine.maxTextChars,
      compression: c.cache.cacheL2Compression,
      compressMinBytes: c.cache.cacheL2CompressMinBytes,
      scoreEncoding: c.cache.cacheScoreEncoding,
      policy: this.policy,
      writeComputedToL2: false, // the workers that computed them stored them
    });
  }
}

function sameModel(a: CacheModelIdentity, b: CacheModelIdentity | undefined): boolean {
  return !!b && a.name === b.name && a.revision === b.revision && a.precision === b.precision && a.maxLength === b.maxLength && a.thresholdsVersion === b.thresholdsVersion;
}
