// The fleet's job records in Redis: meta hash (status, counters, timings) and the results hash
// (one field per chunk). Writes go through Lua so a chunk is stored and counted at most once.
import type { Redis } from 'ioredis';
import { AppError } from '@emo/contracts';
import { chunkCount, locateOffset } from './chunking';
import { chunkJobId, type FleetKeys } from './fleet-keys';
import type { JobStatus, Priority } from './fleet-job.types';
import { jobStatusFromMeta, type JobMeta } from './job-status';
import { BEGIN_CHUNK, CREATE_JOB, RELEASE_TEXTS, RESERVE_TEXTS, STORE_CHUNK } from './redis-scripts';
import { splitPayload, type ChunkLines } from './result-lines';

interface ScriptedRedis extends Redis {
  emoCreateJob(numKeys: number, ...args: (string | number)[]): Promise<string>;
  emoBeginChunk(meta: string, results: string, chunk: number, now: number): Promise<[number, number, number]>;
  emoStoreChunk(meta: string, results: string, ...args: (string | number)[]): Promise<number>;
  emoReserveTexts(queued: string, drain: string, limit: number, deadlineMs: number, share: number, now: number | '', ...pairs: (string | number)[]): Promise<[number, number, number]>;
  emoReleaseTexts(interactive: string, interactiveDrain: string, bulk: string, bulkDrain: string, now: number | '', pickup: 0 | 1, ...chunkIds: string[]): Promise<number>;
}

export interface NewJob {
  readonly jobId: string;
  readonly priority: Priority;
  readonly total: number;
  readonly chunkSize: number;
  readonly includeScores?: boolean;
  readonly idempotencyKey?: string;
  /** A TTL of this job's own (a /v1/classify call), kept when its results land; default: the store's. */
  readonly ttlSeconds?: number;
}

/** A chunk about to be queued, for admission in texts. */
export interface QueuedChunk {
  readonly chunkId: string;
  readonly texts: number;
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
    redis.defineCommand('emoReserveTexts', { numberOfKeys: 2, lua: RESERVE_TEXTS });
    redis.defineCommand('emoReleaseTexts', { numberOfKeys: 4, lua: RELEASE_TEXTS });
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
      ...(job.ttlSeconds === undefined ? {} : { ttl: job.ttlSeconds }),
    };
    const keys = job.idempotencyKey === undefined ? [this.keys.meta(job.jobId)] : [this.keys.meta(job.jobId), this.keys.idempotency(job.idempotencyKey)];
    const owner = await this.redis.emoCreateJob(keys.length, ...keys, job.jobId, job.ttlSeconds ?? this.ttlSeconds, ...Object.entries(fields).flat());
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
    // The chunk has left the queue: its texts no longer count against admission (same round trip).
    const [[exists, cancelled, stored]] = await Promise.all([
      this.redis.emoBeginChunk(this.keys.meta(jobId), this.keys.results(jobId), chunk, this.now()),
      this.releaseTexts([chunkJobId(jobId, chunk)], { pickup: true }),
    ]);
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

  /**
   * Admission in texts: records `chunks` as queued on `priority` unless texts are queued already and
   * these would take the sum over the limit: `limit`, or with `deadline` what the workers were measured
   * to take within `deadline.ms × deadline.share` if that is less. Atomic, so a burst of calls cannot
   * all pass one reading. `nowMs`: the clock (tests); default Redis TIME.
   */
  async reserveTexts(priority: Priority, chunks: readonly QueuedChunk[], limit: number, deadline?: { ms: number; share: number }, nowMs?: number): Promise<{ admitted: boolean; queued: number; limit: number }> {
    const [admitted, queued, applied] = await this.redis.emoReserveTexts(
      this.keys.queuedTexts(priority),
      this.keys.drain(priority),
      limit,
      deadline?.ms ?? 0,
      deadline?.share ?? 0,
      nowMs ?? '',
      ...chunks.flatMap((c) => [c.chunkId, c.texts]),
    );
    return { admitted: admitted === 1, queued, limit: applied };
  }

  /**
   * Chunks picked up by a worker (`pickup`: counted as the workers' pace) or removed from the queue
   * (or never queued) no longer count; returns the texts released. `nowMs`: the clock (tests).
   */
  async releaseTexts(chunkIds: readonly string[], opts: { pickup?: boolean; nowMs?: number } = {}): Promise<number> {
    if (chunkIds.length === 0) return 0;
    const k = this.keys;
    return this.redis.emoReleaseTexts(k.queuedTexts('interactive'), k.drain('interactive'), k.queuedTexts('bulk'), k.drain('bulk'), opts.nowMs ?? '', opts.pickup ? 1 : 0, ...chunkIds);
  }

  /** Texts per second the workers took from `priority`'s queue in seconds it stayed busy (moving average); 0: not measured yet. */
  async drainCapacity(priority: Priority): Promise<number> {
    return Number((await this.redis.hget(this.keys.drain(priority), 'cap')) ?? 0);
  }

  /** Texts queued on `priority` and not picked up yet (admission's figure). */
  async queuedTexts(priority: Priority): Promise<number> {
    return Number((await this.redis.hget(this.keys.queuedTexts(priority), '#texts')) ?? 0);
  }

  /**
   * Forgets what admission counts for `priority`: called when its queue holds no chunk, so texts of
   * chunks that never reached the queue (a process died between reserving and queueing) cannot pile up.
   */
  async resetQueuedTexts(priority: Priority): Promise<void> {
    await this.redis.del(this.keys.queuedTexts(priority));
  }

  /** Deletes a job's records (tests and cleanup). */
  async deleteJob(jobId: string): Promise<void> {
    await this.redis.del(this.keys.meta(jobId), this.keys.results(jobId));
  }
}
