// Chunks BullMQ gave up on without results (every attempt failed, timed out or stalled, or storing
// the results failed on the last attempt) would leave their job running until its TTL. The reaper
// writes CHUNK_FAILED error lines for their items through the store's exactly-once STORE_CHUNK (an
// item never gets two lines: if the chunk's results land after all, whichever store comes first
// wins), which also counts them and finishes the job. Two ways in: a worker's `failed` event for a
// chunk's final failure (at once), and a sweep of the queues' failed sets (startup and every few
// seconds) for failures nobody settled, e.g. when the process that failed it died right after.
import { Job } from 'bullmq';
import type { RedisClient } from './redis-connection';
import { AppError } from '@emo/contracts';
import type { ChunkData } from './fleet-job.types';
import type { FleetKeys } from './fleet-keys';
import { errorLines } from './result-lines';
import type { ResultStore } from './result-store';

/** The BullMQ side the reaper reads: a Worker or a Queue (its `failed` key, and jobs by id). */
export type ChunkQueue = Parameters<typeof Job.fromId>[0] & { readonly keys: Readonly<Record<string, string>> };

export type SettleOutcome = 'settled' | 'stored' | 'expired';

export interface SettledChunk {
  readonly jobId: string;
  readonly chunk: number;
  readonly items: number;
  readonly reason: string;
}

export interface ReaperOptions {
  /** Called for every chunk whose items got CHUNK_FAILED lines (for a log line). */
  readonly onSettled?: (chunk: SettledChunk) => void;
}

/** Failed chunks read per round trip while sweeping. */
const SWEEP_PAGE = 500;
/** A sweep starts this far before the newest failure it saw last time (clocks of other workers). */
const CLOCK_SKEW_MS = 60_000;

export class FailedChunkReaper {
  /** Per failed-set key: the finish time from which the next sweep reads (-inf: everything). */
  private readonly since = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: FleetKeys,
    private readonly store: ResultStore,
    private readonly options: ReaperOptions = {},
  ) {}

  /** Writes CHUNK_FAILED lines for a chunk that failed for good, unless its results are stored. */
  async settle(job: Pick<Job<ChunkData>, 'data' | 'attemptsMade' | 'failedReason'>, reason = job.failedReason): Promise<SettleOutcome> {
    const { jobId, chunk, items } = job.data;
    if (await this.store.isChunkStored(jobId, chunk)) return 'stored';
    const attempts = job.attemptsMade === 1 ? '1 attempt' : `${job.attemptsMade} attempts`;
    const error = new AppError('CHUNK_FAILED', `The chunk holding this item failed after ${attempts}: ${reason || 'no reason given'}`);
    const outcome = await this.store.storeChunk(jobId, chunk, items.length, errorLines(items, error));
    if (outcome === 'expired') return 'expired';
    if (outcome === 'duplicate') return 'stored';
    this.options.onSettled?.({ jobId, chunk, items: items.length, reason: error.message });
    return 'settled';
  }

  /** Settles every failed chunk of `queue` without results that finished since the last sweep; returns how many. */
  async sweep(queue: ChunkQueue): Promise<number> {
    const key = queue.keys.failed ?? queue.toKey('failed');
    const from = this.since.get(key) ?? Number.NEGATIVE_INFINITY;
    let newest = from;
    let settled = 0;
    for (let offset = 0; ; offset += SWEEP_PAGE) {
      const page = await this.redis.zrange(
        key,
        from === Number.NEGATIVE_INFINITY ? '-inf' : String(from),
        '+inf',
        'BYSCORE',
        'LIMIT',
        offset,
        SWEEP_PAGE,
        'WITHSCORES',
      );
      const ids: string[] = [];
      for (let i = 0; i < page.length; i += 2) {
        ids.push(page[i]);
        newest = Math.max(newest, Number(page[i + 1]));
      }
      const stored = await this.storedFlags(ids);
      for (let i = 0; i < ids.length; i++) {
        if (stored[i]) continue;
        const job = (await Job.fromId(queue, ids[i])) as Job<ChunkData> | undefined;
        if (job?.data?.items && (await this.settle(job)) === 'settled') settled++;
      }
      if (page.length < 2 * SWEEP_PAGE) break;
    }
    if (newest !== Number.NEGATIVE_INFINITY) this.since.set(key, newest - CLOCK_SKEW_MS);
    return settled;
  }

  /** Whether each chunk (BullMQ id `<job>.<chunk>`) already has its results, in one round trip. */
  private async storedFlags(ids: readonly string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const asks = ids.map((id) => {
      const dot = id.lastIndexOf('.');
      return [this.keys.results(id.slice(0, Math.max(0, dot))), id.slice(dot + 1)] as const;
    });
    // On a cluster the chunks' jobs are in different slots (one pipeline holds one slot's keys): one HEXISTS each, concurrently.
    if (this.keys.cluster)
      return Promise.all(
        asks.map(([key, field]) =>
          this.redis.hexists(key, field).then(
            (v) => v === 1,
            () => false,
          ),
        ),
      );
    const pipe = this.redis.pipeline();
    for (const [key, field] of asks) pipe.hexists(key, field);
    const replies = (await pipe.exec()) ?? [];
    return replies.map(([err, value]) => !err && value === 1);
  }
}
