// The rules of /v1/jobs: the long-text policy, admission (the backlog gate, then the producer's own
// reservation in texts), the idempotency key, and reading a job's status, result lines and cancel.
// Every job belongs to the tenant that submitted it: to any other tenant it does not exist (404
// JOB_NOT_FOUND, the same answer as for a missing id), and idempotency keys are the tenant's own.
// I/O goes through the fleet client's producer and result store, so the spec runs on fakes.
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '@emo/config';
import type { Taxonomy, Tenant } from '@emo/contracts';
import type { StageTimer } from '@emo/profiler';
import { jobState, type JobItem, type JobProducer, type JobState, type JobStatus, type Priority, type ResultStore } from '@emo/queue';
import { checkTextLengths } from '../http/text-limits';
import { ADMIT_ALL, spendWithin, TenantQuota, type RateLimitSlot } from '../tenancy/tenant-quota';
import { APP_CONFIG, BACKLOG_GATE, FLEET_CLIENT, PROFILING } from '../tokens';
import type { BacklogGate } from './backlog-gate';

/** What the service uses of the FleetClient. */
export interface JobsFleet {
  readonly producer: Pick<JobProducer, 'submit' | 'status' | 'cancel'>;
  readonly store: Pick<ResultStore, 'requireRecord' | 'readLines'>;
  watchFinished(jobId: string): Promise<{ wait(timeoutMs: number): Promise<unknown>; cancel(): void }>;
}

/** States a job does not leave: a status wait ends at once on them. */
const FINAL_STATES: ReadonlySet<JobState> = new Set(['completed', 'cancelled']);

/** Status calls one API process holds waiting at once; past it a call answers at once (the client asks again). */
export const MAX_STATUS_WAITS = 10_000;

export interface JobSubmission {
  readonly items: readonly JobItem[];
  readonly priority: Priority;
  readonly includeScores?: boolean;
  /** The view the workers answer in (default goemotions). */
  readonly taxonomy?: Taxonomy;
  /** The key given in the body. */
  readonly idempotencyKey?: string;
  /** The Idempotency-Key header; the body's key wins, an empty header is no key. */
  readonly idempotencyKeyHeader?: string;
  /** Where the tenant's rate-limit state after this call goes (the response's RateLimit headers). */
  readonly rateLimit?: RateLimitSlot;
}

export interface SubmittedJob {
  readonly status: JobStatus;
  /** False when the idempotency key named an earlier job (returned instead; nothing queued). */
  readonly created: boolean;
}

export interface JobResultLines {
  readonly state: JobState;
  /** Every line is there (the job finished); else the lines available in order so far. */
  readonly complete: boolean;
  readonly total: number;
  readonly lines: AsyncIterable<string>;
}

@Injectable()
export class JobsService implements BeforeApplicationShutdown {
  /** Status calls waiting for their job's end now (bounded by MAX_STATUS_WAITS). */
  private statusWaits = 0;
  private stopping = false;
  private stopWaits!: () => void;
  /** Settles when the app closes: held status calls answer then, so a shutdown never waits out a wait_ms. */
  private readonly stopped = new Promise<void>((resolve) => (this.stopWaits = resolve));

  constructor(
    @Inject(FLEET_CLIENT) private readonly fleet: JobsFleet,
    @Inject(BACKLOG_GATE) private readonly gate: Pick<BacklogGate, 'admit'>,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'engine'>,
    @Inject(PROFILING) private readonly profiling: { readonly profiler: Pick<StageTimer, 'start'> },
    @Inject(TenantQuota) private readonly quota: Pick<TenantQuota, 'admit' | 'refund'> = ADMIT_ALL,
  ) {}

  async submit(tenant: Tenant, job: JobSubmission): Promise<SubmittedJob> {
    checkTextLengths(
      job.items.map((i) => i.text),
      this.config,
    );
    // The cheap look first (cached counts); a refused request writes nothing.
    await this.gate.admit(job.priority);
    // The enqueue stage includes the tenant's rate-limit check (one Redis round trip when it has a rate).
    const endEnqueue = this.profiling.profiler.start('enqueue', { labels: { priority: job.priority } });
    const { jobId, created } = await spendWithin(
      this.quota,
      tenant,
      job.items.length,
      () =>
        this.fleet.producer.submit({
          tenant: tenant.id,
          tenantMaxQueuedTexts: tenant.limits.maxQueuedTexts || undefined, // 0: off
          tenantWeight: tenant.limits.weight,
          items: job.items,
          priority: job.priority,
          idempotencyKey: job.idempotencyKey ?? (job.idempotencyKeyHeader || undefined),
          includeScores: job.includeScores,
          ...(job.taxonomy && job.taxonomy !== 'goemotions' ? { taxonomy: job.taxonomy } : {}),
        }),
      job.rateLimit,
    );
    endEnqueue(job.items.length);
    return { status: await this.fleet.producer.status(jobId, tenant.id), created };
  }

  /**
   * The job's status; with `waitMs`, once it has finished (completed or cancelled) or `waitMs` has
   * passed, whichever comes first (a long poll: no client loop of status calls). The wait is
   * registered before the first read, so a finish in between still ends it; another tenant's or an
   * unknown id answers JOB_NOT_FOUND at once.
   */
  async status(tenant: Tenant, jobId: string, waitMs = 0): Promise<JobStatus> {
    if (waitMs <= 0 || this.stopping || this.statusWaits >= MAX_STATUS_WAITS) return this.fleet.producer.status(jobId, tenant.id);
    this.statusWaits++;
    try {
      const finished = await this.fleet.watchFinished(jobId);
      try {
        const now = await this.fleet.producer.status(jobId, tenant.id);
        if (FINAL_STATES.has(now.state)) return now;
        await Promise.race([finished.wait(waitMs), this.stopped]);
        return await this.fleet.producer.status(jobId, tenant.id);
      } finally {
        finished.cancel();
      }
    } finally {
      this.statusWaits--;
    }
  }

  /** Status calls held for their job's end right now. */
  get heldStatusCalls(): number {
    return this.statusWaits;
  }

  /** Nest calls this on app.close(), before the HTTP server closes: every held status call answers now. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    this.stopWaits();
  }

  /** Result lines from `offset` in input order (JOB_NOT_FOUND when the job is unknown, expired or another tenant's). */
  async results(tenant: Tenant, jobId: string, offset: number): Promise<JobResultLines> {
    const record = await this.fleet.store.requireRecord(jobId, tenant.id);
    return {
      state: jobState(record),
      complete: record.finishedAt !== undefined,
      total: record.total ?? 0,
      lines: this.fleet.store.readLines(record, offset),
    };
  }

  /** Cancels what has not run yet; chunks already running still finish. Another tenant's job: JOB_NOT_FOUND, untouched. */
  cancel(tenant: Tenant, jobId: string): Promise<JobStatus> {
    return this.fleet.producer.cancel(jobId, tenant.id);
  }
}
