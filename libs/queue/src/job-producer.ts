// Creating fleet jobs (record + chunks on the queue) and cancelling them. Chunk job ids are
// deterministic (`<job>.<chunk>`), so enqueueing a job twice never queues a chunk twice.
import { randomUUID } from 'node:crypto';
import { AppError, type Taxonomy } from '@emo/contracts';
import { chunkJob, type ChunkJob, type ChunkJobPolicy } from './chunk-job';
import { chunkCount, chunkLength, splitIntoChunks } from './chunking';
import { chunkJobId } from './fleet-keys';
import type { FleetQueues } from './fleet-queues';
import type { JobItem, JobStatus, Priority } from './fleet-job.types';
import { payloadDigest } from './payload-digest';
import { cancelledLines } from './result-lines';
import type { Admission, NewJob, QueuedChunk, ReservedTexts, ResultStore } from './result-store';

export interface ProducerOptions {
  readonly chunkSize: number;
  readonly attempts: number;
  readonly resultTtlSeconds: number;
  /** Admission in texts: most texts queued (not yet picked up) per priority; none: not limited. */
  readonly queuedTextLimits?: Readonly<Record<Priority, number>>;
  /** Retry-After of the 429 when admission refuses. */
  readonly overloadRetryAfterSeconds?: number;
  /**
   * Interactive admission also keeps what is queued within `share` of this deadline at the workers'
   * measured pace (CLASSIFY_DEADLINE_MS × QUEUE_ADMISSION_DEADLINE_SHARE); share 0: limit only.
   */
  readonly interactiveDeadline?: { readonly ms: number; readonly share: number };
  /** CLASSIFY_LANE_ENABLED: a call's one chunk (a request with a push channel) goes on the interactive lane (ADR 020). */
  readonly classifyLane?: boolean;
}

export interface SubmitRequest {
  /** The tenant that owns the job: its record, chunks and idempotency key carry it. */
  readonly tenant: string;
  /** The tenant's share of the backlog: most of its texts queued on both queues (0 or none: off; TENANT_BACKLOG_FULL past it). */
  readonly tenantMaxQueuedTexts?: number;
  /** The tenant's share of bulk capacity against other tenants with bulk work (Tenant.limits.weight; default 1; ADR 014). */
  readonly tenantWeight?: number;
  readonly items: readonly JobItem[];
  readonly priority: Priority;
  /** The tenant's key: the same key and payload give the same job; another payload, IDEMPOTENCY_CONFLICT. */
  readonly idempotencyKey?: string;
  readonly includeScores?: boolean;
  /**
   * The view the workers answer in (default goemotions). Part of the payload digest, so a resumed
   * submission under the same idempotency key has the first one's.
   */
  readonly taxonomy?: Taxonomy;
  /** The caller's cache already missed these texts in L2: the chunks tell the workers not to look again. */
  readonly cacheChecked?: boolean;
  /** Overrides the configured chunk size (the API sends a /v1/classify request as one chunk). */
  readonly chunkSize?: number;
  /** Called once the job id is known and before any chunk is queued (to subscribe to its end). */
  readonly beforeEnqueue?: (jobId: string) => void;
  /** A TTL of the job's own (a /v1/classify call), instead of RESULT_TTL_SECONDS. */
  readonly ttlSeconds?: number;
  /** The waiting process's inbox channel: a one-chunk job publishes its result lines there when it finishes. */
  readonly pushChannel?: string;
}

export interface Submitted {
  readonly jobId: string;
  /** False when the idempotency key already named a job: that job is returned instead. */
  readonly created: boolean;
}

/** Chunks removed from the queue per round trip while cancelling. */
const CANCEL_PAGE = 64;

export class JobProducer {
  constructor(
    private readonly queues: FleetQueues,
    private readonly store: ResultStore,
    private readonly options: ProducerOptions,
    private readonly newId: () => string = randomUUID,
  ) {}

  async submit(req: SubmitRequest, keyFreed = false): Promise<Submitted> {
    if (req.items.length === 0) throw new AppError('REQUEST_INVALID', 'A job needs at least one item');
    const chunkSize = req.chunkSize ?? this.options.chunkSize;
    const newId = this.newId();
    const job: NewJob = {
      jobId: newId,
      tenant: req.tenant,
      priority: req.priority,
      total: req.items.length,
      chunkSize,
      includeScores: req.includeScores,
      idempotencyKey: req.idempotencyKey,
      // Only a keyed request is hashed: /v1/classify calls carry no key and pay nothing for it.
      payloadDigest: req.idempotencyKey === undefined ? undefined : payloadDigest(req),
      ttlSeconds: req.ttlSeconds,
      pushChannel: req.pushChannel,
    };
    const chunks = Array.from({ length: chunkCount(req.items.length, chunkSize) }, (_, chunk) => ({
      chunkId: chunkJobId(newId, chunk),
      texts: chunkLength(req.items.length, chunkSize, chunk),
    }));
    // Admission and the record in one script (when a limit applies): a refused request costs that
    // one call and writes nothing; a key naming an earlier job reserves nothing.
    const admission = this.admission(req, chunks);
    let owner: Submitted;
    let reserved: string[] = [];
    if (admission) {
      // A /v1/classify call on one Redis: its chunk goes on the interactive lane in the same script.
      // It may finish before the script's reply is read, so the caller watches for its end first.
      const entry =
        this.onLane(req, chunks.length) && this.store.submitPushesLane && req.idempotencyKey === undefined
          ? this.queues.laneEntry(this.chunkJobs(newId, req, chunkSize)[0])
          : undefined;
      if (entry !== undefined) req.beforeEnqueue?.(newId);
      const submitted = await this.store.submitJob(job, admission, entry);
      if (!submitted.reserved.admitted) throw this.refusal(req, chunks, admission, submitted.reserved);
      if (submitted.queued) return { jobId: newId, created: true };
      owner = submitted;
      if (submitted.created) reserved = chunks.map((c) => c.chunkId);
    } else owner = await this.store.createJob(job);
    const { jobId, created } = owner;
    req.beforeEnqueue?.(jobId);
    if (!created) {
      // Same tenant (the key is the tenant's) and same payload (create-job compared the digests).
      const found = await this.store.record(jobId, req.tenant);
      // The key names a job whose record is gone: lost when its master failed over before replicating
      // it (docs/reliability.md, Redis Cluster failover). The key is freed and the job made afresh, once.
      if (
        !found &&
        !keyFreed &&
        req.idempotencyKey !== undefined &&
        (await this.store.freeIdempotencyKey(req.tenant, req.idempotencyKey, jobId))
      )
        return this.submit(req, true);
      const record = found ?? (await this.store.requireRecord(jobId, req.tenant));
      // The first request may have died between creating the record and queueing the chunks:
      // queueing again is safe (same chunk ids; a chunk already stored is skipped by the worker).
      if (!record.enqueued) await this.enqueue(jobId, req, record.chunkSize, record.includeScores);
      return { jobId, created };
    }
    await this.enqueue(jobId, req, chunkSize, req.includeScores ?? false, reserved);
    return { jobId, created };
  }

  /** JOB_NOT_FOUND for a job of another tenant, exactly as for a missing one. */
  async status(jobId: string, tenant: string): Promise<JobStatus> {
    return this.store.status(jobId, tenant);
  }

  /**
   * Cancels what has not run: marks the job (workers skip its chunks) and removes its queued
   * chunks, storing JOB_CANCELLED lines for their items. Chunks already running still finish.
   * Another tenant's job is JOB_NOT_FOUND and stays untouched.
   */
  async cancel(jobId: string, tenant: string): Promise<JobStatus> {
    if (!(await this.store.markCancelled(jobId, tenant))) return this.store.status(jobId);
    const { priority, chunks = 0, chunkSize, total = 0 } = await this.store.requireRecord(jobId);
    const queue = this.queues.queue(priority);
    for (let start = 0; start < chunks; start += CANCEL_PAGE) {
      const page = Array.from({ length: Math.min(CANCEL_PAGE, chunks - start) }, (_, i) => start + i);
      await Promise.all(
        page.map(async (chunk) => {
          if (await this.store.isChunkStored(jobId, chunk)) return;
          const job = await queue.getJob(chunkJobId(jobId, chunk));
          if (!job) return;
          const state = await job.getState();
          if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return;
          try {
            await job.remove();
          } catch {
            return; // picked up meanwhile: the worker sees the cancel mark or finishes it
          }
          await this.store.releaseTexts([job.id ?? chunkJobId(jobId, chunk)]);
          await this.store.storeChunk(jobId, chunk, chunkLength(total, chunkSize, chunk), cancelledLines(job.data.items));
        }),
      );
    }
    return this.store.status(jobId);
  }

  /** A POST /v1/classify call (it waits on its push channel, in one chunk) rides the interactive lane (ADR 020). */
  private onLane(req: SubmitRequest, chunks: number): boolean {
    return this.options.classifyLane === true && req.pushChannel !== undefined && req.priority === 'interactive' && chunks === 1;
  }

  /** Queues the job's chunks; `reserved`: admission already done for them (else it is done here). */
  private async enqueue(jobId: string, req: SubmitRequest, chunkSize: number, includeScores: boolean, reserved?: string[]): Promise<void> {
    const jobs = this.chunkJobs(jobId, req, chunkSize, includeScores);
    const admitted =
      reserved ??
      (await this.admit(
        req,
        jobs.map((j) => ({ chunkId: j.opts.jobId, texts: j.data.items.length })),
      ));
    try {
      await (this.onLane(req, jobs.length) ? this.queues.pushLane(jobs[0]) : this.queues.add(jobs));
    } catch (e) {
      await this.release(admitted); // counted again if a resume queues them
      throw e;
    }
    // Only a keyed request can be resumed (by the same key), so only its record needs the mark:
    // a /v1/classify call saves the round trip.
    if (req.idempotencyKey !== undefined) await this.store.markEnqueued(jobId);
  }

  /** The job's chunks as queue jobs (chunk-job.ts). */
  private chunkJobs(jobId: string, req: SubmitRequest, chunkSize: number, includeScores = req.includeScores ?? false): ChunkJob[] {
    const chunks = splitIntoChunks(req.items, chunkSize);
    if (chunks.length !== chunkCount(req.items.length, chunkSize)) throw new AppError('INTERNAL', 'chunking mismatch');
    const policy: ChunkJobPolicy = { attempts: this.options.attempts, keepFailedSeconds: req.ttlSeconds ?? this.options.resultTtlSeconds };
    return chunks.map((items, chunk) =>
      chunkJob(
        {
          jobId,
          tenant: req.tenant,
          chunk,
          priority: req.priority,
          items,
          includeScores,
          cacheChecked: req.cacheChecked,
          taxonomy: req.taxonomy,
          weight: req.tenantWeight,
        },
        policy,
      ),
    );
  }

  /** Gives back reserved texts of chunks that were not queued (best effort: the gate forgets leftovers). */
  private async release(chunkIds: readonly string[]): Promise<void> {
    await this.store.releaseTexts(chunkIds).catch(() => undefined);
  }

  /**
   * Admission in texts (both priorities): the chunks' texts are recorded as queued, atomically, unless
   * the queue already holds texts and these would take it over the limit: then 429 OVERLOADED. The
   * worker releases a chunk when it picks it up; cancel releases what it removes. In the same step
   * the chunks count as the tenant's, and past its share: 429 TENANT_BACKLOG_FULL.
   */
  private async admit(req: SubmitRequest, chunks: readonly QueuedChunk[]): Promise<string[]> {
    const admission = this.admission(req, chunks);
    if (!admission) return [];
    const r = await this.store.reserveTexts(req.priority, chunks, admission.limit, admission.deadline, undefined, admission.tenant);
    if (!r.admitted) throw this.refusal(req, chunks, admission, r);
    return chunks.map((c) => c.chunkId);
  }

  /** The limits on the request's chunks; undefined when none applies (no queue limit, no tenant share). */
  private admission(req: SubmitRequest, chunks: readonly QueuedChunk[]): Admission | undefined {
    const tenantLimit = req.tenantMaxQueuedTexts ?? 0;
    const queueLimit = this.options.queuedTextLimits?.[req.priority];
    if (queueLimit === undefined && tenantLimit <= 0) return undefined;
    const deadline =
      req.priority === 'interactive' && this.options.interactiveDeadline?.share ? this.options.interactiveDeadline : undefined;
    return { chunks, limit: queueLimit ?? Number.MAX_SAFE_INTEGER, deadline, tenant: { id: req.tenant, maxQueuedTexts: tenantLimit } };
  }

  /** The 429 of a refused reservation: TENANT_BACKLOG_FULL (the tenant's share) or OVERLOADED (the queue's limit). */
  private refusal(req: SubmitRequest, chunks: readonly QueuedChunk[], admission: Admission, r: ReservedTexts): AppError {
    const retry = this.options.overloadRetryAfterSeconds;
    const texts = chunks.reduce((n, c) => n + c.texts, 0);
    const tenantLimit = req.tenantMaxQueuedTexts ?? 0;
    if (r.refusedBy === 'tenant') {
      const queued = r.tenantQueued ?? 0;
      return new AppError(
        'TENANT_BACKLOG_FULL',
        `Tenant ${req.tenant} has ${queued} texts queued; ${texts} more would pass its share of the backlog (${tenantLimit} texts)`,
        { retryAfterSeconds: retry ?? 1, limit: tenantLimit, remaining: Math.max(0, tenantLimit - queued) },
      );
    }
    const { deadline } = admission;
    const why =
      r.limit < admission.limit && deadline
        ? `what the workers take within ${Math.round(deadline.ms * deadline.share)} ms at their measured pace`
        : 'its limit';
    return new AppError(
      'OVERLOADED',
      `The ${req.priority} queue holds ${r.queued} texts; ${texts} more would pass ${why} (${r.limit} texts)${retry ? `; retry in ${retry} s` : ''}`,
      {
        queued_texts: r.queued,
        limit_texts: r.limit,
        ...(retry ? { retry_after_s: retry } : {}),
      },
    );
  }
}
