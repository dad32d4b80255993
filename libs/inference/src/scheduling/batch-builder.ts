// The scheduler's assemble step: waiting texts → one padded batch under the controller's budgets.
// Interactive texts waiting while several threads are free are spread over them (ADR 021,
// addendum); a batch's rows are sorted by length and cut into session runs where that saves more
// padding than a run costs (ADR 021).
import type { AdaptiveBudgetController, BatchBudget, PendingItem, PendingQueue } from '@emo/batching';
import { padSortedBatch, type PaddedBatch } from '../batching/padded-batch';

export interface ReadyBatch<P> {
  /** In row order: a row's outcome is settled by its index here. */
  readonly items: PendingItem<P>[];
  readonly padded: PaddedBatch;
  readonly urgent: boolean;
}

export interface BatchBuilderOptions {
  readonly padId: number;
  /** What one more session run costs, in padded tokens (Infinity: one run per batch). */
  readonly splitRunCostTokens: number;
}

export class BatchBuilder<P extends { readonly ids: Int32Array }> {
  constructor(
    private readonly queue: PendingQueue<P>,
    private readonly controller: AdaptiveBudgetController,
    private readonly options: BatchBuilderOptions,
  ) {}

  /** The next batch from the queue, or undefined when nothing fits; `free`: threads with nothing to run. */
  next(now: number, threads: number, free: number): ReadyBatch<P> | undefined {
    const budgets = this.controller.budgets(now, threads);
    // Closed-loop callers otherwise fall into step: all of them wait for one batch on one thread,
    // resubmit together, and the other threads idle.
    const waiting = this.queue.urgentWaiting;
    const share = (b: BatchBudget): BatchBudget => ({ ...b, maxSize: Math.min(b.maxSize, Math.ceil(waiting / free)) });
    const spread =
      free > 1 && waiting > 1
        ? { ...budgets, urgent: share(budgets.urgent), ...(budgets.interactive ? { interactive: share(budgets.interactive) } : {}) }
        : budgets;
    const batch = this.queue.nextBatch(spread, now);
    return batch && this.ready(batch.items, batch.urgent);
  }

  /** Pads these texts as one batch (rows in length order when it may be cut into runs). */
  ready(items: PendingItem<P>[], urgent: boolean): ReadyBatch<P> {
    const runCost = this.options.splitRunCostTokens;
    const rows = runCost < Number.POSITIVE_INFINITY ? [...items].sort((x, y) => x.length - y.length) : items;
    return {
      items: rows,
      urgent,
      padded: padSortedBatch(
        rows.map((i) => i.payload.ids),
        this.options.padId,
        runCost,
      ),
    };
  }
}
