// The API's cache in front of the fleet: texts whose result is in L1/L2 are answered without
// enqueuing; the rest go to the queue (each distinct text once, duplicates in flight joined),
// marked cacheChecked so the worker does not read L2 for them again. Under CACHE_API_LOOKUP=
// second-sighting (the default) a call none of whose texts this process saw before goes to the
// fleet as it came, looked up by the worker (one L2 MGET per chunk) instead (docs/cache.md).
// The API never loads the model: it keys results by the identity the workers advertise, re-read
// every refreshMs so a model rollout switches namespaces (a new TwoLevelCache from the one
// ResultCacheFactory); with none advertised it passes everything to the fleet.
import type { Registry } from 'prom-client';
import type { AppConfig } from '@emo/config';
import type { Classifier, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import type { Logger } from '@emo/profiler';
import type { CachedClassifier } from '../cached-classifier';
import type { CacheStats } from '../cache-stats';
import type { CacheModelIdentity } from '../keys/cache-namespace';
import { ResultCacheFactory } from '../result-cache-factory';
import { readAdvertisedModel } from './model-advert';

export type ApiCacheStats = CacheStats | { enabled: false; reason: string };

/**
 * A call through the API's cache. The cache is shared by every tenant (one key per text and model),
 * so hits are attributed per call: `onCacheHits` hears how many of the call's texts L1/L2 answered
 * (not sent to the fleet, not joined to another call's computation). Passed with the call, not
 * through AsyncLocalStorage, whose promise hooks would cost every promise of the API (ADR 019).
 */
export interface ApiCacheClassifyOptions extends ClassifyOptions {
  readonly onCacheHits?: (texts: number) => void;
}

export class ApiResultCache implements Classifier {
  /** The served model's cache in front of the fleet; none until a worker has advertised its model. */
  private current?: CachedClassifier;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refreshing?: Promise<void>;

  private constructor(
    private readonly factory: ResultCacheFactory,
    private readonly fleet: Classifier,
    private readonly queuePrefix: string,
    private readonly refreshMs: number,
    /** CACHE_API_LOOKUP=second-sighting: calls of never-seen texts go to the fleet without a lookup. */
    private readonly passFirstSightings: boolean,
    private readonly logger?: Pick<Logger, 'warn' | 'info'>,
  ) {}

  /** undefined when CACHE_ENABLED or CACHE_L2_ENABLED is off (the API has nothing to look up without L2). */
  static async create(
    config: AppConfig,
    fleet: Classifier,
    deps: { logger?: Logger; registry?: Registry; refreshMs?: number } = {},
  ): Promise<ApiResultCache | undefined> {
    if (!config.cache.cacheL2Enabled) return undefined;
    const factory = await ResultCacheFactory.open({ config, l2: true, registry: deps.registry, logger: deps.logger });
    if (!factory) return undefined;
    const passFirstSightings = config.cache.cacheApiLookup === 'second-sighting';
    const sut = new ApiResultCache(factory, fleet, config.runtime.queuePrefix, deps.refreshMs ?? 10_000, passFirstSightings, deps.logger);
    await sut.refresh();
    return sut;
  }

  async classify(texts: readonly unknown[], options?: ApiCacheClassifyOptions): Promise<ClassifyOutcome[]> {
    if (performance.now() - this.checkedAt > this.refreshMs) await this.refresh();
    const current = this.current;
    if (!current) return this.fleet.classify(texts, options);
    return current.cache.classify(current.inner, texts, options, options?.onCacheHits);
  }

  /** What GET /v1/cache/stats returns. */
  stats(): ApiCacheStats {
    return this.current?.cache.stats() ?? { enabled: false, reason: 'no worker has advertised its model in the cache Redis yet' };
  }

  async close(): Promise<void> {
    await this.current?.cache.close();
    await this.factory.close();
  }

  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const model = this.factory.redis && (await readAdvertisedModel(this.factory.redis, this.queuePrefix).catch(() => undefined));
        if (model && !sameModel(model, this.current?.cache.namespace.model)) {
          await this.current?.cache.close();
          // The workers that computed a result stored it in L2: the API writes only its L1.
          const options = { writeComputedToL2: false, passFirstSightings: this.passFirstSightings };
          this.current = this.factory.cacheFor(model, options).classifier(this.fleet);
          this.logger?.info({ model: this.current.cache.namespace.modelId }, 'API result cache keyed to the served model');
        }
      } finally {
        this.checkedAt = performance.now();
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}

function sameModel(a: CacheModelIdentity, b: CacheModelIdentity | undefined): boolean {
  return (
    !!b &&
    a.name === b.name &&
    a.revision === b.revision &&
    a.precision === b.precision &&
    a.maxLength === b.maxLength &&
    a.thresholdsVersion === b.thresholdsVersion
  );
}
