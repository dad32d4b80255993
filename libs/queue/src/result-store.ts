// The fleet's job records in Redis: meta hash (status, counters, timings) and the results hash
// (one field per chunk). Writes go through Lua so a chunk is stored and counted at most once.
import type { Redis } from 'ioredis';
import { AppError } from '@emo/contracts';
import { chunkCount, locateOffset } from './chunking';
import type { FleetKeys } from './fleet-keys';
import type { JobStatus, Priority } from './fleet-job.types';
import { jobStatusFromMeta, type JobMeta } from './job-status';
import { BEGIN_CHUNK, CREATE_JOB, STORE_CHUNK } from './redis-scripts';
import { splitPayload, type ChunkLines } from './result-lines';

interface ScriptedRedis extends Redis {
  emoCreateJob(numKeys: number, ...args: (string | number)[]): Promise<string>;
  emoBeginChunk(meta: string, results: string, chunk: number, now: number): Promise<[number, number, number]>;
  emoStoreChunk(meta: string, results: string, ...args: (string | number)[]): Promise<number>;
}

export interface NewJob {
  readonly jobId: string;
  readonly priority: Priority;
  readonly total: number;
  readonly chunkSize: number;
  readonly includeScores?: boolean;
  readonly idempotencyKey?: string;
}

export interface ChunkState {
  readonly exists: boolean;
  readonly cancelled: boolean;
  readonly stored: boolean;
}

export type StoreOutcome = 'stored' | 'duplicate' | 'expired';

/** How many chunks one HMGET reads while streaming results. */
const READ_PAGE_CHUNKS = 16;

export class ResultStore {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly keys: FleetKeys,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('emoCreateJob', { lua: CREATE_JOB });
    redis.defineCommand('emoBeginChunk', { numberOfKeys: 2, lua: BEGIN_CHUNK });
    redis.defineCommand('emoStoreChunk', { numberOfKeys: 2, lua: STORE_CHUNK });
    this.redis = redis as ScriptedRedis;
  }

  /** Creates the job record; with an idempotency key, returns the id of the job that already owns it. */
  async createJob(job: NewJob): Promise<{ jobId: string; created: boolean }> {
    const fields: Record<string, string | number> = {
      id: job.jobId,
      priority: job.priority,
      total: job.total,
      chunk_size: job.chunkSize,
      chunks: chunkCount(job.total, job.chunkSize),
      created_at: this.now(),
      done: 0,
      failed: 0,
      cancelled: 0,
      chunks_done: 0,
      include_scores: job.includeScores ? 1 : 0,
    };
    const keys = job.idempotencyKey === undefined ? [this.keys.meta(job.jobId)] : [this.keys.meta(job.jobId), this.keys.idempotency(job.idempotencyKey)];
    const owner = await this.redis.emoCreateJob(keys.length, ...keys, job.jobId, this.ttlSeconds, ...Object.entries(fields).flat());
    return { jobId: owner, created: owner === job.jobId };
  }

  async markEnqueued(jobId: string): Promise<void> {
    await this.redis.hset(this.keys.meta(jobId), 'enqueued', 1);
  }

  /** The record of a job; undefined when unknown, expired, or a backfill's (served by /v1/backfills only). */
  async meta(jobId: string): Promise<JobMeta | undefined> {
    const meta = await this.redis.hgetall(this.keys.meta(jobId));
    return meta.id === undefined || meta.kind === 'backfill' ? undefined : meta;
  }

  async status(jobId: string): Promise<JobStatus> {
    return jobStatusFromMeta(await this.requireMeta(jobId));
  }

  async requireMeta(jobId: string): Promise<JobMeta> {
    const meta = await this.meta(jobId);
    if (!meta) throw new AppError('JOB_NOT_FOUND', `Job ${jobId} not found (or its results expired)`);
    return meta;
  }

  /** Marks the job cancelled; returns false when it had already finished. */
  async markCancelled(jobId: string): Promise<boolean> {
    const meta = await this.requireMeta(jobId);
    if (meta.finished_at !== undefined) return false;
    await this.redis.hsetnx(this.keys.meta(jobId), 'cancelled_at', this.now());
    return true;
  }

  /** Called before a chunk runs: is the job still there, cancelled, or this chunk already stored? */
  async beginChunk(jobId: string, chunk: number): Promise<ChunkState> {
    const [exists, cancelled, stored] = await this.redis.emoBeginChunk(this.keys.meta(jobId), this.keys.results(jobId), chunk, this.now());
    return { exists: exists === 1, cancelled: cancelled === 1, stored: stored === 1 };
  }

  async isChunkStored(jobId: string, chunk: number): Promise<boolean> {
    return (await this.redis.hexists(this.keys.results(jobId), String(chunk))) === 1;
  }

  /** Stores a chunk's lines once: a second store of the same chunk changes nothing. */
  async storeChunk(jobId: string, chunk: number, items: number, lines: ChunkLines, modelId = ''): Promise<StoreOutcome> {
    const r = await this.redis.emoStoreChunk(
      this.keys.meta(jobId),
      this.keys.results(jobId),
      chunk,
      lines.payload,
      items,
      lines.failed,
      lines.cancelled,
      this.ttlSeconds,
      this.now(),
      this.keys.finishedChannel,
      jobId,
      modelId,
    );
    return r === 1 ? 'stored' : r === 0 ? 'duplicate' : 'expired';
  }

  /**
   * Result lines from `offset` in input order, up to the first chunk not stored yet (a finished
   * job yields every line). Reads a few chunks at a time, so a large job streams in bounded memory.
   */
  async *readLines(meta: JobMeta, offset = 0): AsyncGenerator<string> {
    const chunkSize = Number(meta.chunk_size);
    const chunks = Number(meta.chunks);
    let { chunk, skip } = locateOffset(offset, chunkSize);
    while (chunk < chunks) {
      const page = Array.from({ length: Math.min(READ_PAGE_CHUNKS, chunks - chunk) }, (_, i) => String(chunk + i));
      const payloads = await this.redis.hmget(this.keys.results(meta.id), ...page);
      for (const payload of payloads) {
        if (payload === null) return;
        const lines = splitPayload(payload);
        for (let i = skip; i < lines.length; i++) yield lines[i];
        skip = 0;
        chunk++;
      }
    }
  }

  /** Deletes a job's records (tests and cleanup). */
  async deleteJob(jobId: string): Promise<void> {
    await this.redis.del(this.keys.meta(jobId), this.keys.results(jobId));
  }
}
