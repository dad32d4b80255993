// Feeds the inference pool from libs/batching, continuously and across calls: every classify()
// puts its texts into ONE pending queue (the only owner of waiting texts); whenever a pool
// thread is free the next batch is taken under the controller's budgets, so concurrent calls
// share batches and at most `threads` batches run at once (none wait inside the pool, where an
// interactive text could not overtake them). While every thread is busy the next bulk batch is
// assembled and padded ahead, ready the moment one frees. Deadlines fail texts before they
// waste the device; an OUT_OF_MEMORY batch is split in two and re-run (the budget is halved and
// remembered), so no text is lost; any other batch error fails the calls that had texts in it.
// Over 300 lines on purpose: it is the one owner of pending texts (as TEI's queue.rs), and its
// dispatch, look-ahead and OOM split share one state machine that reads best in one place.
import { AppError } from '@emo/contracts';
import {
  PendingQueue,
  type AdaptiveBudgetController,
  type BulkShare,
  type Clock,
  type LearnedBatchParams,
  type PendingItem,
  type Priority,
  type TimerScheduler,
} from '@emo/batching';
import { padSortedBatch, type PaddedBatch } from '../batching/padded-batch';
import type { BatchOutput } from '../thread/inference-pool';

/** What runs padded batches: the InferencePool, or a fake in tests. */
export interface BatchRunner {
  readonly threads: number;
  run(batch: PaddedBatch): Promise<BatchOutput>;
}

export interface SchedulerOptions {
  readonly padId: number;
  readonly bulkAgingMs: number;
  /** Bulk texts a tenant may lead ahead of the others when its texts arrive after a gap (fair share; default 0). */
  readonly bulkLaneCreditTexts?: number;
  /** Threads kept free of bulk batches while interactive traffic is around (at most threads − 1). */
  readonly reservedInteractiveThreads?: number;
  readonly clock: Clock;
  readonly timers: TimerScheduler;
  /** Called after each finished batch (stats, metrics). */
  readonly onBatch?: (report: BatchReport) => void;
  /** Called with what the controller learned every `persistEveryBatches` batches and on close. */
  readonly persist?: (params: LearnedBatchParams) => void;
  readonly persistEveryBatches?: number;
  /**
   * What one more session run costs, in padded tokens: a batch is sorted by length and cut into
   * runs where a run costs less than the padding it saves (ADR 021). Default: one run per batch.
   */
  readonly splitRunCostTokens?: number;
}

export interface BatchReport {
  readonly texts: number;
  /** Tokens the device computed (Σ rows × longest over the batch's runs). */
  readonly paddedTokens: number;
  /** Session runs the batch was cut into (1 unless split by length). */
  readonly runs: number;
  /** Texts × longest: what the budgets count the batch as. */
  readonly budgetCostTokens: number;
  readonly realTokens: number;
  readonly latencyMs: number;
  readonly inferMs: number;
  readonly urgent: boolean;
  /** Mean time its texts waited from submit to the batch's dispatch, ms (the profiler's batch_wait). */
  readonly waitMs: number;
}

export interface SubmitOptions {
  readonly priority?: Priority;
  /** Absolute ms since the epoch (same clock as `clock`). */
  readonly deadlineAt?: number;
  /** Bulk: the tenant and weight its texts are shared by (ADR 014); none: the default lane. */
  readonly share?: BulkShare;
}

/** One text's output: its row of the batch's logits. */
export interface OutputRow {
  readonly out: BatchOutput;
  readonly row: number;
}

interface Group {
  readonly outcomes: (OutputRow | AppError)[];
  remaining: number;
  failed: boolean;
  readonly resolve: (outcomes: (OutputRow | AppError)[]) => void;
  readonly reject: (e: AppError) => void;
}

interface Payload {
  readonly group: Group;
  readonly index: number;
  readonly ids: Int32Array;
}

type Item = PendingItem<Payload>;

interface ReadyBatch {
  readonly items: Item[];
  readonly padded: PaddedBatch;
  readonly urgent: boolean;
}

export class ContinuousBatchScheduler {
  private readonly queue: PendingQueue<Payload>;
  private readonly retry: ReadyBatch[] = [];
  private prepared?: ReadyBatch;
  private inFlight = 0;
  private bulkInFlight = 0;
  private pumpScheduled = false;
  private deadlineTimer?: { at: number; cancel: () => void };
  private finishedBatches = 0;
  private closed = false;

  constructor(
    private readonly runner: BatchRunner,
    readonly controller: AdaptiveBudgetController,
    private readonly options: SchedulerOptions,
  ) {
    this.queue = new PendingQueue<Payload>({ bulkAgingMs: options.bulkAgingMs, laneCreditTexts: options.bulkLaneCreditTexts });
  }

  /** Texts waiting (not yet in a running batch). */
  get pending(): number {
    return this.queue.size + (this.prepared?.items.length ?? 0) + this.retry.reduce((n, b) => n + b.items.length, 0);
  }

  get running(): number {
    return this.inFlight;
  }

  /** Texts in the batch assembled and padded ahead, waiting for a thread. */
  get preparedTexts(): number {
    return this.prepared?.items.length ?? 0;
  }

  /**
   * Schedules token id sequences; resolves, in input order, with each one's output row or its
   * own error (DEADLINE_EXCEEDED, OUT_OF_MEMORY for a text too big to run alone). Rejects when
   * a batch holding one of them fails otherwise (INFERENCE_FAILED, ENGINE_CLOSED).
   */
  submit(sequences: readonly Int32Array[], opts: SubmitOptions = {}): Promise<(OutputRow | AppError)[]> {
    if (this.closed) return Promise.reject(new AppError('ENGINE_CLOSED'));
    if (sequences.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const group: Group = { outcomes: new Array(sequences.length), remaining: sequences.length, failed: false, resolve, reject };
      const now = this.options.clock.now();
      const priority = opts.priority ?? 'bulk';
      if (priority === 'interactive') {
        this.controller.noteInteractive(now);
        // A bulk batch padded ahead under the uncapped budget would make this text wait behind it.
        const prepared = this.takePrepared();
        if (prepared) this.queue.restore(prepared.items);
      }
      sequences.forEach((ids, index) =>
        this.queue.push(
          { length: ids.length, priority, deadlineAt: opts.deadlineAt, share: opts.share, payload: { group, index, ids } },
          now,
        ),
      );
      this.schedulePump();
    });
  }

  /** Fails everything not yet running with ENGINE_CLOSED; running batches finish. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.deadlineTimer?.cancel();
    const learned = this.controller.snapshot(this.options.clock.now());
    if (learned) this.options.persist?.(learned);
    const waiting = [...this.queue.drain(), ...(this.prepared?.items ?? []), ...this.retry.flatMap((b) => b.items)];
    this.prepared = undefined;
    this.retry.length = 0;
    for (const item of waiting) this.fail(item.payload.group, new AppError('ENGINE_CLOSED'));
  }

  private schedulePump(): void {
    // Deferred, so that texts submitted in the same tick (many jobs at once) share a batch.
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    this.options.timers.schedule(0, () => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    this.expire();
    const threads = Math.max(1, this.runner.threads);
    // While interactive texts are around, bulk leaves a thread free for them: they then never
    // wait for a running bulk batch, only for their own.
    const reserved = this.controller.interactiveActive(this.options.clock.now())
      ? Math.min(this.options.reservedInteractiveThreads ?? 0, threads - 1)
      : 0;
    while (this.inFlight < threads) {
      const bulkOnly = !this.queue.hasUrgent() && !this.retry.some((b) => b.urgent);
      if (bulkOnly && this.bulkInFlight >= threads - reserved) break;
      const batch = this.nextToRun();
      if (!batch) break;
      this.launch(batch);
    }
    const busy = this.inFlight >= threads || this.bulkInFlight >= threads - reserved;
    if (busy && !this.prepared && this.queue.size > 0 && !this.queue.hasUrgent()) this.prepared = this.assemble();
    this.armDeadlineTimer();
  }

  private nextToRun(): ReadyBatch | undefined {
    const urgentRetry = this.retry.findIndex((b) => b.urgent);
    if (urgentRetry >= 0) return this.retry.splice(urgentRetry, 1)[0];
    if (this.retry.length > 0 && !this.queue.hasUrgent()) return this.retry.shift();
    if (this.prepared && !this.queue.hasUrgent()) return this.takePrepared();
    return this.assemble() ?? this.takePrepared();
  }

  private takePrepared(): ReadyBatch | undefined {
    const batch = this.prepared;
    this.prepared = undefined;
    return batch;
  }

  private assemble(): ReadyBatch | undefined {
    const now = this.options.clock.now();
    const threads = Math.max(1, this.runner.threads);
    const budgets = this.controller.budgets(now, threads);
    // Interactive texts waiting while several threads are free go out on all of them, not in one
    // batch on one thread: closed-loop callers otherwise fall into step (all of them wait for one
    // batch, resubmit together, and the other threads idle: ADR 021).
    const free = threads - this.inFlight;
    const waiting = this.queue.urgentWaiting;
    const spread =
      free > 1 && waiting > 1
        ? { ...budgets, urgent: { ...budgets.urgent, maxSize: Math.min(budgets.urgent.maxSize, Math.ceil(waiting / free)) } }
        : budgets;
    const batch = this.queue.nextBatch(spread, now);
    return batch && this.ready(batch.items, batch.urgent);
  }

  private ready(items: Item[], urgent: boolean): ReadyBatch {
    const runCost = this.options.splitRunCostTokens ?? Number.POSITIVE_INFINITY;
    // Rows in length order when the batch may be cut into runs: a row's outcome is settled by its index in `items`.
    const rows = runCost < Number.POSITIVE_INFINITY ? [...items].sort((x, y) => x.length - y.length) : items;
    const ids = rows.map((i) => i.payload.ids);
    return { items: rows, urgent, padded: padSortedBatch(ids, this.options.padId, runCost) };
  }

  private launch(batch: ReadyBatch): void {
    const now = this.options.clock.now();
    // Texts of failed calls, or past their deadline while the batch waited, are dropped here.
    const live = batch.items.filter((item) => {
      if (item.payload.group.failed) return false;
      if (item.deadlineAt !== undefined && item.deadlineAt < now + this.controller.minLatencyMs(item.length)) {
        this.settle(item, new AppError('DEADLINE_EXCEEDED', 'deadline passed before the text could run'));
        return false;
      }
      return true;
    });
    if (live.length === 0) return;
    const run = live.length === batch.items.length ? batch : this.ready(live, batch.urgent);
    this.inFlight++;
    if (!run.urgent) this.bulkInFlight++;
    this.runner
      .run(run.padded)
      .then(
        (out) => this.onResult(run, out, now),
        (e: unknown) => this.onError(run, AppError.fromPlain(e)),
      )
      .catch((e: unknown) => run.items.forEach((item) => this.fail(item.payload.group, AppError.fromPlain(e))))
      .finally(() => {
        this.inFlight--;
        if (!run.urgent) this.bulkInFlight--;
        if (++this.finishedBatches % (this.options.persistEveryBatches ?? 50) === 0) {
          const learned = this.controller.snapshot(this.options.clock.now());
          if (learned) this.options.persist?.(learned);
        }
        this.pump();
      });
  }

  private onResult(batch: ReadyBatch, out: BatchOutput, startedAt: number): void {
    const now = this.options.clock.now();
    const { batch: texts, seq } = batch.padded;
    const latencyMs = now - startedAt;
    // The model maps a batch's single-run cost (texts × longest: what budgets count) to its
    // latency, split or not, so its predictions answer the question budgets ask.
    this.controller.observeBatch(texts * seq, texts, latencyMs);
    let realTokens = 0;
    let waitedMs = 0;
    batch.items.forEach((item, row) => {
      realTokens += item.length;
      waitedMs += startedAt - item.enqueuedAt;
      if (item.priority === 'interactive') this.controller.observeInteractive(now - item.enqueuedAt, now);
      this.settle(item, { out, row });
    });
    this.options.onBatch?.({
      texts,
      paddedTokens: batch.padded.paddedTokens,
      runs: batch.padded.runs.length,
      budgetCostTokens: texts * seq,
      realTokens,
      latencyMs,
      inferMs: out.inferMs,
      urgent: batch.urgent,
      waitMs: waitedMs / Math.max(1, batch.items.length),
    });
  }

  private onError(batch: ReadyBatch, error: AppError): void {
    if (error.code !== 'OUT_OF_MEMORY') {
      for (const item of batch.items) this.fail(item.payload.group, error);
      return;
    }
    this.controller.onOutOfMemory(batch.padded.batch * batch.padded.seq);
    if (batch.items.length === 1) {
      this.settle(batch.items[0], new AppError('OUT_OF_MEMORY', 'text does not fit in memory even alone'));
      return;
    }
    // Split by length, so the short half pads less; both halves go before anything else.
    const sorted = [...batch.items].sort((x, y) => x.length - y.length);
    const half = Math.ceil(sorted.length / 2);
    this.retry.unshift(this.ready(sorted.slice(0, half), batch.urgent), this.ready(sorted.slice(half), batch.urgent));
  }

  private expire(): void {
    const now = this.options.clock.now();
    for (const item of this.queue.expire(now, (length) => this.controller.minLatencyMs(length))) {
      this.settle(item, new AppError('DEADLINE_EXCEEDED', 'deadline passed while the text waited for a batch'));
    }
  }

  private armDeadlineTimer(): void {
    const at = this.queue.earliestDeadline();
    if (this.deadlineTimer && this.deadlineTimer.at === at) return;
    this.deadlineTimer?.cancel();
    this.deadlineTimer = undefined;
    if (at === undefined) return;
    const cancel = this.options.timers.schedule(Math.max(0, at - this.options.clock.now()) + 1, () => {
      this.deadlineTimer = undefined;
      this.pump();
    });
    this.deadlineTimer = { at, cancel };
  }

  private settle(item: Item, outcome: OutputRow | AppError): void {
    const { group, index } = item.payload;
    if (group.failed) return;
    group.outcomes[index] = outcome;
    if (--group.remaining === 0) group.resolve(group.outcomes);
  }

  private fail(group: Group, error: AppError): void {
    if (group.failed) return;
    group.failed = true;
    group.reject(error);
  }
}
