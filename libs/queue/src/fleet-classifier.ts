// A Classifier that answers through the fleet: the texts go to the interactive queue as one
// chunk, and the answer comes with the job's finish message (else it is read from the result
// store). Past the deadline it throws DEADLINE_EXCEEDED naming the job: the work is not lost, its
// results land in the store. The job belongs to the caller's tenant, given per call in
// FleetClassifyOptions: the Classifier contract stays tenant-free, and a cache in front passes the
// options through. With coalescing on, calls of one event-loop turn share a job (CallCoalescer).
import { DEFAULT_TENANT_ID } from '@emo/contracts';
import type { Classifier, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import { CallCoalescer, type CoalescedCall } from './call-coalescer';
import { JobDeadlineError } from './job-deadline.error';
import type { JobFinishedListener } from './job-finished-listener';
import type { JobProducer } from './job-producer';
import { isFinished } from './job-status';
import { splitPayload } from './result-lines';
import type { ResultStore } from './result-store';

type FinishWatch = ReturnType<JobFinishedListener['watch']>;

/** The fleet's own per-call options: who owns the job it queues. */
export interface FleetClassifyOptions extends ClassifyOptions {
  /** Tenant id that owns the call's job (its status and results); default: the default tenant. */
  readonly tenant?: string;
  /** That tenant's share of the backlog in queued texts (0 or none: off): TENANT_BACKLOG_FULL past it. */
  readonly tenantMaxQueuedTexts?: number;
}

export interface FleetClassifierOptions {
  /** How long the call's record and results stay (CLASSIFY_RESULT_TTL_SECONDS); default: RESULT_TTL_SECONDS. */
  readonly ttlSeconds?: number;
  /** Most texts in a job shared by calls of one event-loop turn (CLASSIFY_COALESCE_MAX_TEXTS); 0 or 1: every call alone. */
  readonly coalesceMaxTexts?: number;
  /** Longest a new group of calls waits for company while `coalesceBusyJobs` jobs are unanswered (CLASSIFY_COALESCE_HOLD_MS; 0: never). */
  readonly coalesceHoldMs?: number;
  /** Unanswered coalesced jobs of this process from which a new group waits (CLASSIFY_COALESCE_BUSY_JOBS). */
  readonly coalesceBusyJobs?: number;
  readonly now?: () => number;
}

const parseLines = (lines: string): ClassifyOutcome[] => splitPayload(lines).map((line) => JSON.parse(line) as ClassifyOutcome);

export class FleetClassifier implements Classifier {
  private readonly now: () => number;
  private readonly coalescer?: CallCoalescer;

  constructor(
    private readonly producer: Pick<JobProducer, 'submit'>,
    private readonly store: Pick<ResultStore, 'requireRecord' | 'readLines'>,
    private readonly listener: Pick<JobFinishedListener, 'watch' | 'inbox'>,
    private readonly defaultDeadlineMs: number,
    private readonly options: FleetClassifierOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    if ((options.coalesceMaxTexts ?? 0) > 1)
      this.coalescer = new CallCoalescer(
        {
          maxTexts: options.coalesceMaxTexts!,
          holdMs: options.coalesceHoldMs,
          busyJobs: options.coalesceBusyJobs,
        },
        (calls) => this.runBatch(calls),
      );
  }

  classify(texts: readonly string[], options: FleetClassifyOptions = {}): Promise<ClassifyOutcome[]> {
    const coalescer = this.coalescer;
    if (!coalescer) return this.classifyAlone(texts, options);
    return new Promise((resolve, reject) => coalescer.add({ texts, options, resolve, reject }));
  }

  /** Settles once every call of the batch is settled (the coalescer counts it unanswered until then). */
  private runBatch(calls: CoalescedCall[]): Promise<void> {
    if (calls.length === 1) return this.classifyAlone(calls[0].texts, calls[0].options).then(calls[0].resolve, calls[0].reject);
    return this.classifyTogether(calls).catch((e: unknown) => calls.forEach((c) => c.reject(e)));
  }

  private async classifyAlone(texts: readonly string[], options: FleetClassifyOptions): Promise<ClassifyOutcome[]> {
    const tenant = options.tenant ?? DEFAULT_TENANT_ID;
    const deadlineAt = options.deadlineAt ?? this.now() + this.defaultDeadlineMs;
    const watches: FinishWatch[] = [];
    try {
      const jobId = await this.submit(texts, options, tenant, watches);
      const finished = await watches[0]?.wait(deadlineAt - this.now());
      // Pushed (the usual case): the lines came with the wake-up, nothing to read from the store.
      if (finished && finished.lines !== undefined) return parseLines(finished.lines);
      const outcomes = await this.readIfFinished(jobId, tenant);
      if (!outcomes) throw new JobDeadlineError(jobId, tenant);
      return outcomes;
    } finally {
      // Whatever ended the call (submit refused or failed after the watch was taken, the deadline,
      // a read error), nobody waits for this job any more: the listener must not keep the waiter.
      for (const watch of watches) watch.cancel();
    }
  }

  /** One job for several calls; each gets its slice of the lines, or DEADLINE_EXCEEDED at its own deadline. */
  private async classifyTogether(calls: readonly CoalescedCall[]): Promise<void> {
    const first = calls[0].options;
    const tenant = first.tenant ?? DEFAULT_TENANT_ID;
    const deadlines = calls.map((c) => c.options.deadlineAt ?? this.now() + this.defaultDeadlineMs);
    const watches: FinishWatch[] = [];
    try {
      const jobId = await this.submit(
        calls.flatMap((c) => c.texts),
        first,
        tenant,
        watches,
      );
      const finished = watches[0].wait(Math.max(...deadlines) - this.now());
      let read: Promise<ClassifyOutcome[] | undefined> | undefined;
      const all = finished.then((done) =>
        done && done.lines !== undefined ? parseLines(done.lines) : (read ??= this.readIfFinished(jobId, tenant)),
      );
      all.catch(() => undefined); // each call handles it; one that already timed out no longer listens
      let offset = 0;
      await Promise.all(
        calls.map((call, i) => {
          const slice = { offset, count: call.texts.length };
          offset += slice.count;
          return this.answer(call, slice, all, deadlines[i], () => (read ??= this.readIfFinished(jobId, tenant)), jobId, tenant);
        }),
      );
    } finally {
      for (const watch of watches) watch.cancel();
    }
  }

  private async answer(
    call: CoalescedCall,
    slice: { offset: number; count: number },
    all: Promise<ClassifyOutcome[] | undefined>,
    deadlineAt: number,
    readNow: () => Promise<ClassifyOutcome[] | undefined>,
    jobId: string,
    tenant: string,
  ): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadlineAt - this.now()));
    });
    try {
      const got = await Promise.race([all, timeout]);
      // At its own deadline a call looks once more (the message may have been missed).
      const outcomes = got === 'timeout' ? await readNow() : got;
      if (!outcomes) throw new JobDeadlineError(jobId, tenant, slice);
      call.resolve(outcomes.slice(slice.offset, slice.offset + slice.count));
    } catch (e) {
      call.reject(e);
    } finally {
      clearTimeout(timer);
    }
  }

  private async submit(texts: readonly string[], options: FleetClassifyOptions, tenant: string, watches: FinishWatch[]): Promise<string> {
    const { jobId } = await this.producer.submit({
      tenant,
      tenantMaxQueuedTexts: options.tenantMaxQueuedTexts,
      items: texts.map((text) => ({ text })),
      priority: options.priority ?? 'interactive',
      includeScores: options.includeScores,
      cacheChecked: options.cacheChecked,
      taxonomy: options.taxonomy,
      chunkSize: Math.max(1, texts.length),
      ttlSeconds: this.options.ttlSeconds,
      // The finish message brings the result lines to this process's inbox (one chunk: one message).
      pushChannel: this.listener.inbox,
      // Registered before any chunk is queued, so the finish message cannot come first.
      beforeEnqueue: (id) => watches.push(this.listener.watch(id)),
    });
    return jobId;
  }

  /** The job's lines when it has finished (read from the store); undefined while it runs. */
  private async readIfFinished(jobId: string, tenant: string): Promise<ClassifyOutcome[] | undefined> {
    const record = await this.store.requireRecord(jobId, tenant);
    if (!isFinished(record)) return undefined;
    const outcomes: ClassifyOutcome[] = [];
    for await (const line of this.store.readLines(record)) outcomes.push(JSON.parse(line) as ClassifyOutcome);
    return outcomes;
  }
}
