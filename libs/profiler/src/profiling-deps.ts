// What a process hands its ProfilingRuntime: the capacity it really runs (the analysis judges busy
// shares and budget use against it), and the fleet's seams — the profile store, trace store,
// backlog and cache counters — as the canonical shapes other libs provide (libs/cache's CacheStats
// extends CacheCounters; libs/queue's chunk events are ChunkDone).
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { NvidiaSmiReader } from './gpu/nvidia-smi-reader';
import type { ProfileStore } from './store/profile-store';
import type { TraceStore } from './tracing/span-record';

/** What the fleet connects once its Redis client exists (see ProfilingRuntime.connect()). */
export interface FleetProfilingDeps {
  readonly store?: ProfileStore;
  readonly traces?: TraceStore;
  /** Chunks waiting in the queues (sampled at each publish for the backlog trend). */
  readonly backlog?: () => Promise<number>;
  /** Cumulative result-cache counters (TwoLevelCache.stats()); deltas feed the hit rate. */
  readonly cacheStats?: () => CacheCounters;
}

/** The cumulative counters of a result cache the profiler reads (libs/cache's CacheStats extends it). */
export interface CacheCounters {
  readonly lookups: number;
  readonly coalesced: number;
  readonly l1: { readonly enabled: boolean; readonly hits?: number };
  readonly l2: { readonly enabled: boolean; readonly hits?: number };
}

/** What a queue chunk reports when it is done (a ChunkEvent of libs/queue is one). */
export interface ChunkDone {
  readonly queue: string;
  readonly outcome: string;
  readonly texts: number;
}

/**
 * What this process runs, as its caller built it, not as config would have it: a worker runs
 * WORKER_INFERENCE_THREADS when set, so only the caller knows the slots its engine really has.
 */
export interface ProcessCapacity {
  /** Batches that run at once: the inference threads of this process's engine. */
  readonly inferenceSlots: number;
  /** The largest batch budget the engine may use (its BATCH_MAX_TOKENS). */
  readonly maxBudgetTokens: number;
  /** Bulk chunk slots (a worker's WORKER_CONCURRENCY); the interactive ones stay free for interactive traffic by design. Default 0. */
  readonly chunkSlots?: number;
}

interface ProcessDeps extends FleetProfilingDeps {
  readonly registry?: Registry;
  readonly activeChunks?: () => number;
  readonly reader?: NvidiaSmiReader;
  readonly logger?: Logger;
  readonly source?: string;
  /** The window's clock (tests); default Date.now. */
  readonly now?: () => number;
}

/** An API pod runs no engine; a worker or the CLI says what its engine runs. */
export type ProfilingDeps = ProcessDeps &
  ({ readonly role: 'api' } | { readonly role: 'worker' | 'cli'; readonly capacity: ProcessCapacity });
