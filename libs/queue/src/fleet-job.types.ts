// The shapes that travel through the queue and the result store.
import type { ClassificationResult, ItemError, Priority, Taxonomy } from '@emo/contracts';

export type { Priority };

export interface JobItem {
  readonly id?: string;
  readonly text: string;
}

/** Data of one BullMQ job: a chunk of a fleet job's items. */
export interface ChunkData {
  readonly jobId: string;
  /**
   * The tenant that owns the job (fair share and quotas on the worker side). Chunks queued before
   * tenants existed lack it: read those as the default tenant.
   */
  readonly tenant: string;
  /**
   * Bulk chunks queued with fair share on (ADR 014): the tenant's weight (Tenant.limits.weight), which
   * the worker's engine shares its bulk capacity by. Absent: the chunk's texts wait in arrival order.
   */
  readonly weight?: number;
  readonly chunk: number;
  readonly priority: Priority;
  readonly includeScores?: boolean;
  /** The caller already looked these texts up in L2 and missed: the worker's cache skips its L2 read. */
  readonly cacheChecked?: boolean;
  /** The view the worker answers in (absent: goemotions, the model's own labels). */
  readonly taxonomy?: Taxonomy;
  readonly items: readonly JobItem[];
}

export type JobState = 'queued' | 'running' | 'completed' | 'cancelling' | 'cancelled';

export interface JobStatus {
  readonly job_id: string;
  readonly state: JobState;
  readonly priority: Priority;
  readonly total: number;
  /** Items with a line in the results (succeeded + failed + cancelled). */
  readonly done: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly chunks: { readonly total: number; readonly done: number; readonly size: number };
  readonly model?: string;
  readonly created_at: string;
  readonly started_at?: string;
  readonly finished_at?: string;
  /** Milliseconds from creation to the first chunk starting, and from start to finish. */
  readonly timings: { readonly queued_ms?: number; readonly run_ms?: number; readonly total_ms?: number };
}

/** One line of a job's results: the result or error of one item, with the item's id. */
export type ResultLine = (ClassificationResult | ItemError) & { id?: string };
