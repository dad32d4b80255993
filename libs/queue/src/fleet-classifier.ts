// A Classifier that answers through the fleet: the texts go to the interactive queue as one
// chunk, and the answer is read from the result store when the job finishes. Past the deadline
// it throws DEADLINE_EXCEEDED naming the job: the work is not lost, its results land in the store.
// The job belongs to the caller's tenant, given per call in FleetClassifyOptions: the Classifier
// contract stays tenant-free, and a cache in front passes the options through.
import { DEFAULT_TENANT_ID } from '@emo/contracts';
import type { Classifier, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
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

export class FleetClassifier implements Classifier {
  constructor(
    private readonly producer: Pick<JobProducer, 'submit'>,
    private readonly store: Pick<ResultStore, 'requireRecord' | 'readLines'>,
    private readonly listener: Pick<JobFinishedListener, 'watch' | 'inbox'>,
    private readonly defaultDeadlineMs: number,
    /** How long the call's record and results stay (CLASSIFY_RESULT_TTL_SECONDS); default: RESULT_TTL_SECONDS. */
    private readonly ttlSeconds?: number,
    private readonly now: () => number = Date.now,
  ) {}

  async classify(texts: readonly string[], options: FleetClassifyOptions = {}): Promise<ClassifyOutcome[]> {
    const tenant = options.tenant ?? DEFAULT_TENANT_ID;
    const deadlineAt = options.deadlineAt ?? this.now() + this.defaultDeadlineMs;
    const watches: FinishWatch[] = [];
    try {
      const { jobId } = await this.producer.submit({
        tenant,
        tenantMaxQueuedTexts: options.tenantMaxQueuedTexts,
        items: texts.map((text) => ({ text })),
        priority: options.priority ?? 'interactive',
        includeScores: options.includeScores,
        cacheChecked: options.cacheChecked,
        chunkSize: Math.max(1, texts.length),
        ttlSeconds: this.ttlSeconds,
        // The finish message brings the result lines to this process's inbox (one chunk: one message).
        pushChannel: this.listener.inbox,
        // Registered before any chunk is queued, so the finish message cannot come first.
        beforeEnqueue: (id) => watches.push(this.listener.watch(id)),
      });
      const finished = await watches[0]?.wait(deadlineAt - this.now());
      // Pushed (the usual case): the lines came with the wake-up, nothing to read from the store.
      if (finished && finished.lines !== undefined) return splitPayload(finished.lines).map((line) => JSON.parse(line) as ClassifyOutcome);
      const record = await this.store.requireRecord(jobId, tenant);
      if (!isFinished(record)) throw new JobDeadlineError(jobId, tenant);
      const outcomes: ClassifyOutcome[] = [];
      for await (const line of this.store.readLines(record)) outcomes.push(JSON.parse(line) as ClassifyOutcome);
      return outcomes;
    } finally {
      // Whatever ended the call (submit refused or failed after the watch was taken, the deadline,
      // a read error), nobody waits for this job any more: the listener must not keep the waiter.
      for (const watch of watches) watch.cancel();
    }
  }
}
