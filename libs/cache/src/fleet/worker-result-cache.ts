// The worker's cache: L1 → L2 before texts reach the batcher (L1 only for texts the API already
// missed in L2: cacheChecked; an idle engine computes beside that lookup), L1 + L2 written after
// inference, the served model advertised for the API, and the warm list (CACHE_WARM_FILE) at start.
import type { Registry } from 'prom-client';
import type { AppConfig } from '@emo/config';
import type { Classifier } from '@emo/contracts';
import type { Logger } from '@emo/profiler';
import type { CachedClassifier } from '../cached-classifier';
import { warmFromConfig, type WarmSummary } from '../cache-warmer';
import { createResultCache } from '../create-result-cache';
import { modelIdentityOf } from '../keys/cache-namespace';
import type { TwoLevelCache } from '../two-level-cache';
import { advertiseModel } from './model-advert';

/** `precision`: the one served (never `auto`): part of the cache key; `idle`: nothing waits or runs (none: never said). */
type EngineLike = Classifier & Parameters<typeof modelIdentityOf>[0] & { readonly precision: string; readonly idle?: boolean };

export interface WorkerResultCache {
  readonly cache: TwoLevelCache;
  /** The engine behind the cache: hand this to the queue consumer. */
  readonly classifier: CachedClassifier;
  /** Classifies CACHE_WARM_FILE into L1 + L2 (logged; never throws). */
  warm(): Promise<WarmSummary | undefined>;
  close(): Promise<void>;
}

export async function createWorkerResultCache(
  config: AppConfig,
  engine: EngineLike,
  deps: { logger?: Logger; registry?: Registry } = {},
): Promise<WorkerResultCache | undefined> {
  const handle = await createResultCache({
    config,
    model: modelIdentityOf(engine, engine.precision),
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
  // An interactive chunk on an idle engine is computed beside its L2 lookup (CACHE_COMPUTE_BESIDE_L2).
  if (config.cache.cacheComputeBesideL2 === 'idle' && engine.idle !== undefined)
    handle.cache.computeBesideL2 = (opts) => opts?.priority === 'interactive' && engine.idle === true;
  const classifier = handle.cache.classifier(engine);
  return {
    cache: handle.cache,
    classifier,
    warm: () => warmFromConfig(classifier, config, deps.logger),
    close: () => handle.close(),
  };
}
