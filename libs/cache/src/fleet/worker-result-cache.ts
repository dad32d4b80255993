// The worker's cache: L1 → L2 before texts reach the batcher, L1 + L2 written after inference,
// the served model advertised for the API, and the warm list (CACHE_WARM_FILE) at start.
import type { Registry } from 'prom-client';
import type { AppConfig } from '@emo/config';
import type { Logger } from '@emo/profiler';
import { warmFromConfig, type WarmSummary } from '../cache-warmer';
import { createResultCache, type ResultCacheHandle } from '../create-result-cache';
import { modelIdentityOf } from '../keys/cache-namespace';
import type { Classifier } from '@emo/contracts';
import type { TwoLevelCache } from '../two-level-cache';
import { advertiseModel } from './model-advert';

type EngineLike = Classifier & Parameters<typeof modelIdentityOf>[0];

export interface WorkerResultCache {
  readonly cache: TwoLevelCache;
  /** The engine behind the cache: hand this to the queue consumer. */
  readonly classifier: Classifier;
  /** Classifies CACHE_WARM_FILE into L1 + L2 (logged; never throws). */
  warm(): Promise<WarmSummary | undefined>;
  close(): Promise<void>;
}

export async function createWorkerResultCache(
  config: AppConfig,
  engine: EngineLike,
  deps: { logger?: Logger; registry?: Registry } = {},
): Promise<WorkerResultCache | undefined> {
  const handle: ResultCacheHandle | undefined = await createResultCache({
    config,
    model: modelIdentityOf(engine, config.engine.precision),
    l2: config.cache.cacheL2Enabled,
    registry: deps.registry,
    logger: deps.logger,
  });
  if (!handle) return undefined;
  if (handle.redis && handle.cache.l2?.state === 'up') {
    await advertiseModel(handle.redis, config.runtime.queuePrefix, handle.cache.namespace.model).catch((e: Error) =>
      deps.logger?.warn({ reason: e.message }, 'could not advertise the served model to the API cache'),
    );
  }
  const classifier = handle.cache.wrap(engine);
  return {
    cache: handle.cache,
    classifier,
    warm: () => warmFromConfig(handle.cache, engine, config, deps.logger),
    close: () => handle.close(),
  };
}
