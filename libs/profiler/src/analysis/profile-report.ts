// The shape of a profile report (GET /v1/profile, `emo profile --json`): per-stage latency over
// the recent window, throughput, cache, device and queue figures, and plain-word recommendations.
import type { Stage } from '../stages/stages';

export interface StageSummary {
  readonly stage: Stage;
  /** Texts the stage's timings covered in the window. */
  readonly texts: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly mean_ms: number;
  /** This stage's p95 as a share of the sum of all stages' p95 (0..1). */
  readonly share_of_p95: number;
}

export type Severity = 'critical' | 'warning' | 'info';

export interface Recommendation {
  /** Stable code scripts can match (e.g. ADD_WORKERS, RAISE_BATCH_BUDGET). */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** The setting (env name) or action to turn, when there is one. */
  readonly setting?: string;
}

export interface ProfileReport {
  readonly generated_at: string;
  readonly window_s: number;
  readonly sources: { readonly workers: number; readonly apis: number; readonly cli: number };
  readonly models: readonly string[];
  readonly throughput: { readonly texts_per_s: number; readonly error_rate: number };
  readonly stages: readonly StageSummary[];
  readonly dominant_stage?: Stage;
  /** Sum of the stages' p95 (an upper estimate of a text's p95), and the target it is held to. */
  readonly p95_ms: number;
  readonly p95_target_ms: number;
  readonly cache: { readonly lookups: number; readonly hit_rate?: number; readonly l1_hit_rate?: number; readonly l2_hit_rate?: number };
  readonly device: {
    readonly kind: 'gpu' | 'cpu';
    /** Inference time per batch slot (thread/stream) over the window, 0..1. */
    readonly busy_ratio?: number;
    readonly gpu_utilization?: number;
    readonly gpu_memory_used_ratio?: number;
    readonly cpu_utilization?: number;
  };
  readonly batches: {
    readonly count: number;
    readonly avg_texts?: number;
    readonly avg_padded_tokens?: number;
    /** Real / padded tokens. */
    readonly padding_efficiency?: number;
    /** Share of batches that ran with the budget at its configured maximum. */
    readonly at_max_budget_ratio?: number;
    readonly max_budget_tokens?: number;
  };
  readonly queue: {
    /** Latest sampled backlog (queued chunks) and its trend, chunks/s (> 0: growing). */
    readonly backlog?: number;
    readonly growth_per_s?: number;
    /** Chunks finished per second by all workers. */
    readonly drain_per_s: number;
  };
  readonly workers: { readonly count: number; readonly chunk_slots_used?: number };
  readonly recommendations: readonly Recommendation[];
}
