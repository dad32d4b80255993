// Builds the engine's batch scheduler: the adaptive controller from the batching settings, warm-
// started from the learned-parameters store (per model + device), memory-capped by the injected
// probe (or, on CPU, by the RSS budget), on the real clock and timers.
import { cpus } from 'node:os';
import { AdaptiveBudgetController, batchParamsKey, budgetMemoryProbe, type BatchParamsStore, type LearnedBatchParams, type MemoryProbe } from '@emo/batching';
import { loadConfig, type AppConfig } from '@emo/config';
import type { InferencePool } from '../thread/inference-pool';
import { ContinuousBatchScheduler, type BatchReport } from './continuous-batch-scheduler';
import { systemClock, systemTimers } from './system-time';

/** The batching settings (see libs/config/src/settings/batching.settings.ts for their meaning). */
export interface BatchPolicyOptions {
  readonly adaptive: boolean;
  readonly minSize: number;
  readonly interactiveP95TargetMs: number;
  readonly latencyWindow: number;
  readonly explorationRate: number;
  readonly bulkAgingMs: number;
  readonly interactiveWindowMs: number;
  readonly interactiveReservedThreads: number;
  readonly memoryBudgetMb: number;
  readonly memoryPerTokenBytes: number;
}

interface FactoryEngineOptions {
  readonly batchMaxTokens: number;
  readonly batchMaxSize: number;
  readonly batchPolicy?: Partial<BatchPolicyOptions>;
  readonly batchParamsStore?: BatchParamsStore;
  readonly memoryProbe?: MemoryProbe;
  readonly deviceName?: string;
  readonly onWarning?: (message: string) => void;
}

export interface SchedulerDeps {
  readonly pool: InferencePool;
  readonly padId: number;
  readonly modelId: string;
  readonly options: FactoryEngineOptions;
  readonly onBatch?: (report: BatchReport) => void;
}

const STORE_TIMEOUT_MS = 2000;

export function batchPolicyFromConfig(config: AppConfig): BatchPolicyOptions {
  return {
    adaptive: config.batching.batchAdaptive,
    minSize: config.batching.batchMinSize,
    interactiveP95TargetMs: config.batching.batchInteractiveP95TargetMs,
    latencyWindow: config.batching.batchLatencyWindow,
    explorationRate: config.batching.batchExplorationRate,
    bulkAgingMs: config.batching.batchBulkAgingMs,
    interactiveWindowMs: config.batching.batchInteractiveWindowMs,
    interactiveReservedThreads: config.batching.batchInteractiveReservedThreads,
    memoryBudgetMb: config.batching.batchMemoryBudgetMb,
    memoryPerTokenBytes: config.batching.batchMemoryPerTokenBytes,
  };
}

let defaults: BatchPolicyOptions | undefined;

export async function createBatchScheduler(deps: SchedulerDeps): Promise<ContinuousBatchScheduler> {
  const { options, pool } = deps;
  defaults ??= batchPolicyFromConfig(loadConfig({}));
  const policy: BatchPolicyOptions = { ...defaults, ...options.batchPolicy };
  const warn = (m: string) => options.onWarning?.(m);
  const key = batchParamsKey(deps.modelId, pool.provider, options.deviceName ?? `${pool.provider}:${cpus()[0]?.model?.trim() ?? 'unknown'}`);
  const store = options.batchParamsStore;
  const initial = store ? await loadLearned(store, key, warn) : undefined;
  const probe = options.memoryProbe ?? (policy.memoryBudgetMb > 0 ? budgetMemoryProbe(policy.memoryBudgetMb * 1024 * 1024, () => process.memoryUsage.rss()) : undefined);
  const controller = new AdaptiveBudgetController({
    adaptive: policy.adaptive,
    maxTokens: options.batchMaxTokens,
    maxSize: options.batchMaxSize,
    minSize: Math.min(policy.minSize, options.batchMaxSize),
    interactiveP95TargetMs: policy.interactiveP95TargetMs,
    windowSize: policy.latencyWindow,
    explorationRate: policy.explorationRate,
    interactiveWindowMs: policy.interactiveWindowMs,
    random: Math.random,
    memory: probe ? { probe, bytesPerToken: policy.memoryPerTokenBytes } : undefined,
    initial,
  });
  return new ContinuousBatchScheduler(pool, controller, {
    padId: deps.padId,
    bulkAgingMs: policy.bulkAgingMs,
    reservedInteractiveThreads: policy.interactiveReservedThreads,
    clock: systemClock,
    timers: systemTimers,
    onBatch: deps.onBatch,
    persist: store ? (params) => void store.save(key, params).catch((e: Error) => warn(`could not save learned batching parameters: ${e.message}`)) : undefined,
  });
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
