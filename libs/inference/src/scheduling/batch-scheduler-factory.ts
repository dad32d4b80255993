// Builds the engine's batch scheduler from the batching section of the config: the adaptive
// controller, warm-started from the learned-parameters store (per model + device), memory-capped
// by the injected probe (or, on CPU, by the RSS budget), on the real clock and timers.
import { cpus } from 'node:os';
import {
  AdaptiveBudgetController,
  batchParamsKey,
  budgetMemoryProbe,
  type BatchParamsStore,
  type LearnedBatchParams,
  type MemoryProbe,
} from '@emo/batching';
import type { BatchingConfig } from '@emo/config';
import type { InferencePool } from '../thread/inference-pool';
import { ContinuousBatchScheduler, type BatchReport } from './continuous-batch-scheduler';
import { systemClock, systemTimers } from './system-time';

export interface SchedulerDeps {
  readonly pool: InferencePool;
  readonly padId: number;
  readonly modelId: string;
  /** Where learned batching parameters live per model + device (Redis in the fleet), so new workers start warm. */
  readonly batchParamsStore?: BatchParamsStore;
  /** Free device memory (GPU: nvidia-smi reader); default on CPU: the RSS budget of BATCH_MEMORY_BUDGET_MB. */
  readonly memoryProbe?: MemoryProbe;
  /** Names the device in the learned-parameters key (e.g. the GPU model); default: the provider and host CPU. */
  readonly deviceName?: string;
  readonly onWarning?: (message: string) => void;
  readonly onBatch?: (report: BatchReport) => void;
}

const STORE_TIMEOUT_MS = 2000;
/**
 * Fair share in the worker (ADR 014): a tenant whose lane ran dry for a moment (its next chunk is
 * being stored, fetched and tokenized) may catch up this many texts, one default chunk, instead
 * of losing its turn at every gap between its chunks; a tenant idle for longer gets no more.
 */
const BULK_LANE_CREDIT_TEXTS = 256;

export async function createBatchScheduler(batching: BatchingConfig, deps: SchedulerDeps): Promise<ContinuousBatchScheduler> {
  const { pool } = deps;
  const warn = (m: string) => deps.onWarning?.(m);
  const key = batchParamsKey(deps.modelId, pool.provider, deps.deviceName ?? `${pool.provider}:${cpus()[0]?.model?.trim() ?? 'unknown'}`);
  const store = deps.batchParamsStore;
  const initial = store ? await loadLearned(store, key, warn) : undefined;
  const budgetBytes = batching.batchMemoryBudgetMb * 1024 * 1024;
  const probe = deps.memoryProbe ?? (budgetBytes > 0 ? budgetMemoryProbe(budgetBytes, () => process.memoryUsage.rss()) : undefined);
  const controller = new AdaptiveBudgetController({
    adaptive: batching.batchAdaptive,
    maxTokens: batching.batchMaxTokens,
    maxSize: batching.batchMaxSize,
    minSize: Math.min(batching.batchMinSize, batching.batchMaxSize),
    interactiveP95TargetMs: batching.batchInteractiveP95TargetMs,
    windowSize: batching.batchLatencyWindow,
    explorationRate: batching.batchExplorationRate,
    interactiveWindowMs: batching.batchInteractiveWindowMs,
    random: Math.random,
    memory: probe ? { probe, bytesPerToken: batching.batchMemoryPerTokenBytes } : undefined,
    initial,
  });
  return new ContinuousBatchScheduler(pool, controller, {
    padId: deps.padId,
    bulkAgingMs: batching.batchBulkAgingMs,
    bulkLaneCreditTexts: BULK_LANE_CREDIT_TEXTS,
    reservedInteractiveThreads: batching.batchInteractiveReservedThreads,
    clock: systemClock,
    timers: systemTimers,
    onBatch: deps.onBatch,
    splitRunCostTokens: splitRunCost(batching.batchSplitRunTokens, pool.provider),
    queueBehindRunning: batching.batchQueueBehindRunning,
    persist: store
      ? (params) => void store.save(key, params).catch((e: Error) => warn(`could not save learned batching parameters: ${e.message}`))
      : undefined,
  });
}

/**
 * One more ONNX Runtime run on CPU costs about what 10-30 padded tokens of this model do (ADR 021:
 * random batches of 8-64 GoEmotions texts, int8, one intra-op thread); a GPU run's launch cost is
 * far larger against its per-token cost and is not measured here, so batches stay one run there.
 */
const CPU_RUN_COST_TOKENS = 16;

export function splitRunCost(setting: 'auto' | 'off' | number, provider: string): number {
  if (setting === 'off') return Number.POSITIVE_INFINITY;
  if (setting === 'auto') return provider === 'cpu' ? CPU_RUN_COST_TOKENS : Number.POSITIVE_INFINITY;
  return setting;
}

async function loadLearned(store: BatchParamsStore, key: string, warn: (m: string) => void): Promise<LearnedBatchParams | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        warn('learned batching parameters did not load in time; starting cold');
        resolve(undefined);
      }, STORE_TIMEOUT_MS);
    });
    return await Promise.race([store.load(key), timeout]);
  } catch (e) {
    warn(`could not load learned batching parameters (${(e as Error).message}); starting cold`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
