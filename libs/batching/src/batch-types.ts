// The vocabulary shared by the queue, the controller and the engine glue.

import type { BulkShare, Priority } from '@emo/contracts';

export type { BulkShare, Priority };

/** One text waiting for a batch: its token length decides its padded cost, the rest its order. */
export interface PendingItem<T> {
  /** Arrival order, unique per queue. */
  readonly seq: number;
  /** Tokens of this text (≥ 1); a batch costs texts × its longest length. */
  readonly length: number;
  readonly priority: Priority;
  readonly enqueuedAt: number;
  /** Absolute ms since the epoch after which the item is worthless. */
  readonly deadlineAt?: number;
  /** Bulk: the tenant lane it waits in (none: the default lane). */
  readonly share?: BulkShare;
  readonly payload: T;
}

/** Limits of one batch: padded tokens (texts × longest) and texts. */
export interface BatchBudget {
  readonly maxTokens: number;
  readonly maxSize: number;
}

/** The budgets in force: `urgent` for batches led by interactive (or aged bulk) items, `bulk` otherwise. */
export interface BatchBudgets {
  readonly urgent: BatchBudget;
  readonly bulk: BatchBudget;
  /**
   * The waiting interactive texts an urgent batch takes (default: `urgent`). The latency cap
   * (`urgent`) bounds what else joins them; shrinking the share of interactive texts that leave
   * together only leaves the rest waiting longer and spends more runs on them.
   */
  readonly interactive?: BatchBudget;
}

export interface AssembledBatch<T> {
  readonly items: PendingItem<T>[];
  /** Led by an interactive or an aged bulk item (built under the urgent budget). */
  readonly urgent: boolean;
  readonly longest: number;
  /** texts × longest: what the device actually computes. */
  readonly paddedTokens: number;
}

export const paddedCost = (texts: number, longest: number): number => texts * longest;
