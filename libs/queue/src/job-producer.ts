// Creating fleet jobs (record + chunks on the queue) and cancelling them. Chunk job ids are
// deterministic (`<job>.<chunk>`), so enqueueing a job twice never queues a chunk twice.
import { randomUUID } from 'node:crypto';
import { AppError } from '@emo/contracts';
import { chunkCount, chunkLength, splitIntoChunks } from './chunking';
import { chunkJobId } from './fleet-keys';
import type { FleetQueues } from './fleet-queues';
import type { ChunkData, JobItem, JobStatus, Priority } from './fleet-job.types';
import { cancelledLines } from './result-lines';
import type { ResultStore } from './result-store';

export interface ProducerOptions {
  readonly chunkSize: number;
  readonly attempts: number;
  readonly resultTtlSeconds: number;
}

export interface SubmitRequest {
  readonly items: readonly JobItem[];
  readonly priority: Priority;
  readonly idempotencyKey?: string;
  readonly includeScores?: boolean;
  /** Overrides the configured chunk size (the API sends a /v1/classify request as one chunk). */
  readonly chunkSize?: number;
  /** Called once the job id is known and before any chunk is queued (to subscribe to its end). */
  readonly beforeEnqueue?: (jobId: string) => void;
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

  async submit(req: SubmitRequest): Promise<Submitted> {
    if (req.items.length === 0) throw new AppError('REQUEST_INVALID', 'A job needs at least one item');
    const chunkSize = req.chunkSize ?? this.options.chunkSize;
    const { jobId, created } = await this.store.createJob({
      jobId: this.newId(),
      priority: req.priority,
      total: req.items.length,
      chunkSize,
      includeScores: req.includeScores,
      idempotencyKey: req.idempotencyKey,
    });
    req.beforeEnqueue?.(jobId);
    if (!created) {
      const meta = await this.store.requireMeta(jobId);
      if (Number(meta.total) !== req.items.length || meta.priority !== req.priority) {
        throw new AppError('REQUEST_INVALID', `idempotency_key already names job ${jobId}, which has different items or priority`);
      }
      // The first request may have died between creating the record and queueing the chunks:
      // queueing again is safe (same chunk ids; a chunk already stored is skipped by the worker).
      if (meta.enqueued === undefined) await this.enqueue(jobId, req, Number(meta.chunk_size), meta.include_scores === '1');
      return { jobId, created };
    }
    await this.enqueue(jobId, req, chunkSize, req.includeScores ?? false);
    return { jobId, created };
  }

  async status(jobId: string): Promise<JobStatus> {
    return this.store.status(jobId);
  }

  /**
   * Cancels what has not run: marks the job (workers skip its chunks) and removes its queued
   * chunks, storing JOB_CANCELLED lines for their items. Chunks already running still finish.
   */
  async cancel(jobId: string): Promise<JobStatus> {
    if (!(await this.store.markCancelled(jobId))) return this.store.status(jobId);
    const meta = await this.store.requireMeta(jobId);
    const queue = this.queues.queue(meta.priority as Priority);
    const chunks = Number(meta.chunks);
    const chunkSize = Number(meta.chunk_size);
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
          await this.store.storeChunk(jobId, chunk, chunkLength(Number(meta.total), chunkSize, chunk), cancelledLines(job.data.items));
        }),
      );
    }
    return this.store.status(jobId);
  }

  private async enqueue(jobId: string, req: SubmitRequest, chunkSize: number, includeScores: boolean): Promise<void> {
    const queue = this.queues.queue(req.priority);
    const chunks = splitIntoChunks(req.items, chunkSize);
    if (chunks.length !== chunkCount(req.items.length, chunkSize)) throw new AppError('INTERNAL', 'chunking mismatch');
    const opts = {
      attempts: this.options.attempts,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: true,
      removeOnFail: { age: this.options.resultTtlSeconds },
    };
    const jobs = chunks.map((items, chunk) => {
      const data: ChunkData = { jobId, chunk, priority: req.priority, items, ...(includeScores ? { includeScores } : {}) };
      return { name: 'chunk', data, opts: { ...opts, jobId: chunkJobId(jobId, chunk) } };
    });
    // addBulk is one MULTI: large jobs go in slices so one request does not block Redis for long.
    for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
    await this.store.markEnqueued(jobId);
  }
}
