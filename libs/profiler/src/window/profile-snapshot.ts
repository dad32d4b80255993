// The JSON shape one process publishes about its recent window: what the bottleneck analysis
// reads, and what the fleet aggregates across workers (histograms and counters add up).
import type { Stage } from '../stages/stages';
import type { HistogramData } from './log-histogram';

export type ProcessRole = 'api' | 'worker' | 'cli';

export interface BatchTotals {
  readonly count: number;
  readonly texts: number;
  readonly paddedTokens: number;
  readonly realTokens: number;
  /** Sum over batches of the token budget in force (avg budget = budgetTokens / count). */
  readonly budgetTokens: number;
  /** The largest budget the scheduler may use (BATCH_MAX_TOKENS). */
  readonly maxBudgetTokens: number;
  /** Batches whose budget in force was the configured maximum. */
  readonly atMaxBudget: number;
}

export interface DeviceTotals {
  /** Inference time summed over batches (the device or inference threads busy), ms. */
  readonly busyMs: number;
  /** Batches that can run at once (inference threads, GPU streams). */
  readonly slots: number;
  /** Averages of the samples taken in the window, 0..1; absent when never sampled. */
  readonly cpuUtilization?: number;
  readonly gpuUtilization?: number;
  readonly gpuMemoryUsedRatio?: number;
}

export interface ProfileSnapshot {
  readonly source: string;
  readonly role: ProcessRole;
  readonly model?: string;
  /** ms since the epoch when the snapshot was taken. */
  readonly at: number;
  /** How much time the window really covers, ms (less than the window right after start). */
  readonly windowMs: number;
  readonly stages: Partial<Record<Stage, HistogramData>>;
  /** Texts finished (results or per-item errors) and how many of them were errors. */
  readonly texts: number;
  readonly errors: number;
  /** Queue chunks finished by this process. */
  readonly chunks: number;
  /** Chunk slots of this worker (its BullMQ concurrency) and the average number busy. */
  readonly concurrency: number;
  readonly activeChunks: number;
  readonly cache: { readonly lookups: number; readonly l1Hits: number; readonly l2Hits: number };
  readonly batches: BatchTotals;
  readonly device: DeviceTotals;
  /** [ms since the epoch, chunks waiting] samples of the queue backlog. */
  readonly backlog: ReadonlyArray<readonly [number, number]>;
}
