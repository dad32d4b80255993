// Feeds the inference pool from libs/batching, continuously and across calls: every classify()
// puts its texts into ONE pending queue (the only owner of waiting texts); whenever a pool
// thread is free the next batch is taken under the controller's budgets, so concurrent calls
// share batches and at most `threads` batches run at once (none wait inside the pool, where an
// interactive text could not overtake them). While no interactive traffic is around, each thread
// also holds one bulk batch behind its running one (ADR 022), taken back unrun the moment an
// interactive text arrives. While every thread is busy the next bulk batch is assembled and
// padded ahead, ready the moment one frees. Deadlines fail texts before they
// waste the device; an OUT_OF_MEMORY batch is split in two and re-run (the budget is halved and
// remembered), so no text is lost; any other batch error fails the calls that had texts in it.
// Over 300 lines on purpose: it is the one owner of pending texts (as TEI's queue.rs), and its
// dispatch, look-ahead, queued batches and OOM split share one state machine that reads best in
// one place; assembling a batch is batch-builder.ts.
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
import type { PaddedBatch } from '../batching/padded-batch';
import type { BatchOutput } from '../thread/inference-pool';
import { BatchBuilder, type ReadyBatch as Ready } from './batch-builder';

/** What runs padded batches: the InferencePool, or a fake in tests. */
export interface BatchRunner {
  readonly threads: number;
  run(batch: PaddedBatch): Promise<BatchOutput>;
  /**
   * Hands a batch to a thread that may still be running one, to start right after it; undefined:
   * it never ran (`signal` aborted before it started). Without it, a thread gets a batch only once free.
   */
  runQueued?(batch: PaddedBatch, signal: AbortSignal): Promise<BatchOutput | undefined>;
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
  /** Each thread holds one bulk batch behind its running one while no interactive traffic is around (default true; needs runQueued). */
  readonly queueBehindRunning?: boolean;
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
type ReadyBatch = Ready<Payload>;

export class ContinuousBatchScheduler {
  private readonly queue: PendingQueue<Payload>;
  private readonly builder: BatchBuilder<Payload>;
  private readonly retry: ReadyBatch[] = [];
  /** Batches handed to threads behind a running one: aborted (taken back if not started) when interactive texts arrive. */
  private readonly queued = new Set<AbortController>();
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
    this.builder = new BatchBuilder(this.queue, controller, {
      padId: options.padId,
      splitRunCostTokens: options.splitRunCostTokens ?? Number.POSITIVE_INFINITY,
    });
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
        // A bulk batch padded ahead under the uncapped budget, or queued behind a running one,
        // would make this text wait behind it.
        const prepared = this.takePrepared();
        if (prepared) this.queue.restore(prepared.items);
        this.retractQueued();
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
    this.retractQueued(); // they come back unrun and fail with ENGINE_CLOSED
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
    const interactive = this.controller.interactiveActive(this.options.clock.now());
    const reserved = interactive ? Math.min(this.options.reservedInteractiveThreads ?? 0, threads - 1) : 0;
    // Bulk alone: a thread also holds the next batch, so it never idles through this thread's turn.
    const urgentWaiting = this.queue.hasUrgent() || this.retry.some((b) => b.urgent);
    const depth = !interactive && !urgentWaiting && this.canQueue() ? 2 : 1;
    while (this.inFlight < threads * depth) {
      const bulkOnly = !this.queue.hasUrgent() && !this.retry.some((b) => b.urgent);
      if (bulkOnly && this.bulkInFlight >= (threads - reserved) * depth) break;
      const batch = this.nextToRun();
      if (!batch) break;
      this.launch(batch, depth > 1);
    }
    const busy = this.inFlight >= threads * depth || this.bulkInFlight >= (threads - reserved) * depth;
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
    const threads = Math.max(1, this.runner.threads);
    return this.builder.next(this.options.clock.now(), threads, threads - this.inFlight);
  }

  private canQueue(): boolean {
    return this.options.queueBehindRunning !== false && this.runner.runQueued !== undefined;
  }

  /** Takes back every batch queued behind a running one that has not started (it returns unrun). */
  private retractQueued(): void {
    for (const controller of this.queued) controller.abort();
    this.queued.clear();
  }

  private launch(batch: ReadyBatch, queued = false): void {
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
    const run = live.length === batch.items.length ? batch : this.builder.ready(live, batch.urgent);
    this.inFlight++;
    if (!run.urgent) this.bulkInFlight++;
    const runQueued = queued ? this.runner.runQueued?.bind(this.runner) : undefined;
    const retract = runQueued ? new AbortController() : undefined;
    if (retract) this.queued.add(retract);
    const result = runQueued && retract ? runQueued(run.padded, retract.signal) : this.runner.run(run.padded);
    result
      .then(
        (out) => (out === undefined ? this.onRetracted(run) : this.onResult(run, out, now, retract !== undefined)),
        (e: unknown) => this.onError(run, AppError.fromPlain(e)),
      )
      .catch((e: unknown) => run.items.forEach((item) => this.fail(item.payload.group, AppError.fromPlain(e))))
      .finally(() => {
        if (retract) this.queued.delete(retract);
        this.inFlight--;
        if (!run.urgent) this.bulkInFlight--;
        if (++this.finishedBatches % (this.options.persistEveryBatches ?? 50) === 0) {
          const learned = this.controller.snapshot(this.options.clock.now());
          if (learned) this.options.persist?.(learned);
        }
        this.pump();
      });
  }

  /** A queued batch taken back before it started: its texts wait again, in their rank (or fail, once closed). */
  private onRetracted(batch: ReadyBatch): void {
    if (this.closed) for (const item of batch.items) this.fail(item.payload.group, new AppError('ENGINE_CLOSED'));
    else this.queue.restore(batch.items.filter((item) => !item.payload.group.failed));
  }

  private onResult(batch: ReadyBatch, out: BatchOutput, startedAt: number, queued: boolean): void {
    const now = this.options.clock.now();
    const { batch: texts, seq } = batch.padded;
    // A queued batch may have waited behind another on its thread: its own run time is what the thread measured.
    const latencyMs = queued ? out.inferMs : now - startedAt;
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
    this.retry.unshift(this.builder.ready(sorted.slice(0, half), batch.urgent), this.builder.ready(sorted.slice(half), batch.urgent));
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
