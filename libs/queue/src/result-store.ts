// The fleet's job records in Redis: the record (meta hash, job-record.ts) and the results hash
// (one field per chunk). Writes go through Lua (fleet-commands.ts) so a chunk is stored and
// counted at most once.
import type { RedisClient } from './redis-connection';
import { AppError } from '@emo/contracts';
import { locateOffset } from './chunking';
import { withFleetCommands, type FleetRedis } from './fleet-commands';
import { chunkJobId, type FleetKeys } from './fleet-keys';
import type { JobStatus, Priority } from './fleet-job.types';
import { decodeJobRecord, encodeJobRecord, recordField, type JobRecord } from './job-record';
import { jobStatusFromRecord } from './job-status';
import { splitPayload, type ChunkLines } from './result-lines';
import { splitSubmit, type SubmitAnswer } from './split-submit';
import { awaitReplicas, type ReplicationWait } from './replication-wait';
import { reservedOf, type Admission, type QueuedChunk, type ReservedTexts, type TenantBacklog } from './admission-types';
import { jobArgs, releaseKeys, reservationArgs, type NewJob } from './result-store-args';

export type { Admission, QueuedChunk, ReservedTexts, TenantBacklog } from './admission-types';
export type { NewJob } from './result-store-args';

export interface ChunkState {
  readonly exists: boolean;
  readonly cancelled: boolean;
  readonly stored: boolean;
}

export type StoreOutcome = 'stored' | 'duplicate' | 'expired';

/** How many chunks one HMGET reads while streaming results. */
const READ_PAGE_CHUNKS = 16;

export class ResultStore {
  private readonly redis: FleetRedis;

  constructor(
    redis: RedisClient,
    private readonly keys: FleetKeys,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly replicationWait?: ReplicationWait, // REDIS_WAIT_REPLICAS: writes to a job wait for replicas
  ) {
    this.redis = withFleetCommands(redis);
  }

  /**
   * Creates the job record; with an idempotency key (the tenant's own), returns the id of the job that
   * already owns it when the payload is the same, and refuses another payload with IDEMPOTENCY_CONFLICT
   * (which does not name that job). Atomic: two requests racing on one key get one job.
   */
  async createJob(job: NewJob): Promise<{ jobId: string; created: boolean }> {
    const { meta, idempotency, args } = jobArgs(this.keys, job, this.ttlSeconds, this.now());
    // On a cluster the record and the key are in two slots: split-submit.ts.
    const [outcome, owner] = !this.keys.cluster
      ? await this.redis.emoCreateJob(idempotency ? 2 : 1, meta, ...(idempotency ? [idempotency] : []), ...args)
      : idempotency
        ? await splitSubmit(this.redis, { meta, idempotency, jobArgs: args, releaseKeys: releaseKeys(this.keys) })
        : await this.redis.emoCreateJobRecord(meta, ...args);
    if (outcome === 'conflict') throw new AppError('IDEMPOTENCY_CONFLICT');
    await awaitReplicas(this.redis, this.keys.meta(owner), this.replicationWait);
    return { jobId: owner, created: outcome === 'created' };
  }

  /** Whether submitJob queues a lane entry it is given (one Redis); on a cluster the lane is another slot. */
  get submitPushesLane(): boolean {
    return !this.keys.cluster;
  }

  /**
   * Admission (as reserveTexts) and createJob in one round trip: a refused job writes nothing
   * (`reserved.admitted` false, no job id); a key naming an earlier job reserves nothing (that job's
   * chunks are admitted under its own id when it is resumed). `laneEntry`: on one Redis the job's
   * one chunk goes on the interactive lane in the same script, after the record (`queued`: it did).
   */

  async submitJob(
    job: NewJob,
    admission: Admission,
    laneEntry?: string,
  ): Promise<{ jobId: string; created: boolean; reserved: ReservedTexts; queued: boolean }> {
    const { meta, idempotency, args } = jobArgs(this.keys, job, this.ttlSeconds, this.now());
    const reservation = reservationArgs(this.keys, job.priority, admission);
    const chunkIds = admission.chunks.map((c) => c.chunkId);
    // On a cluster the counters, the record and the key are in three slots: split-submit.ts.
    const [outcome, owner, ...r]: SubmitAnswer = this.keys.cluster
      ? await splitSubmit(this.redis, {
          meta,
          idempotency,
          jobArgs: args,
          reservation: { ...reservation, chunkIds },
          releaseKeys: releaseKeys(this.keys),
        })
      : await this.redis.emoSubmitJob(
          idempotency ? 6 : 5,
          ...reservation.keys,
          meta,
          this.keys.laneWait,
          ...(idempotency ? [idempotency] : []),
          reservation.args.length,
          ...reservation.args,
          laneEntry ?? '',
          ...args,
        );
    if (outcome === 'conflict') throw new AppError('IDEMPOTENCY_CONFLICT');
    if (outcome !== 'refused') await awaitReplicas(this.redis, this.keys.meta(owner), this.replicationWait);
    const reserved = reservedOf(r as [number, number, number, number, number], admission.tenant);
    return {
      jobId: owner,
      created: outcome === 'created',
      reserved: outcome === 'existing' ? { ...reserved, admitted: true } : reserved,
      queued: outcome === 'created' && laneEntry !== undefined && this.submitPushesLane,
    };
  }

  /** Deletes the tenant's idempotency key if it still names `jobId` (a lost record: free-idempotency-key.lua). */
  async freeIdempotencyKey(tenant: string, key: string, jobId: string): Promise<boolean> {
    return (await this.redis.emoFreeIdempotencyKey(this.keys.idempotency(tenant, key), `:${jobId}`)) === 1;
  }

  async markEnqueued(jobId: string): Promise<void> {
    await this.redis.hset(this.keys.meta(jobId), ...encodeJobRecord({ enqueued: true }));
  }

  /**
   * The record of a job; undefined when unknown, expired, a backfill's (served by /v1/backfills only),
   * or, given `tenant`, another tenant's: to a tenant, another's job does not exist.
   */
  async record(jobId: string, tenant?: string): Promise<JobRecord | undefined> {
    const record = decodeJobRecord(await this.redis.hgetall(this.keys.meta(jobId)));
    return record?.kind === 'job' && (tenant === undefined || record.tenant === tenant) ? record : undefined;
  }

  async status(jobId: string, tenant?: string): Promise<JobStatus> {
    return jobStatusFromRecord(await this.requireRecord(jobId, tenant));
  }

  /** JOB_NOT_FOUND when `record` finds nothing: the same answer, byte for byte, for a missing job and another tenant's. */
  async requireRecord(jobId: string, tenant?: string): Promise<JobRecord> {
    const record = await this.record(jobId, tenant);
    if (!record) throw new AppError('JOB_NOT_FOUND', `Job ${jobId} not found (or its results expired)`);
    return record;
  }

  /** Marks the job cancelled; returns false when it had already finished. */
  async markCancelled(jobId: string, tenant?: string): Promise<boolean> {
    const record = await this.requireRecord(jobId, tenant);
    if (record.finishedAt !== undefined) return false;
    await this.redis.hsetnx(this.keys.meta(jobId), recordField('cancelledAt'), this.now());
    return true;
  }

  /** Called before a chunk runs: is the job still there, cancelled, or this chunk already stored? */
  async beginChunk(jobId: string, chunk: number): Promise<ChunkState> {
    // The chunk has left the queue: its texts no longer count against admission (same round trip).
    const [[exists, cancelled, stored]] = await Promise.all([
      this.redis.emoBeginChunk(this.keys.meta(jobId), this.keys.results(jobId), chunk, this.now()),
      this.releaseTexts([chunkJobId(jobId, chunk)], { pickup: true }),
    ]);
    if (stored === 1) await awaitReplicas(this.redis, this.keys.meta(jobId), this.replicationWait); // a rerun's duplicate too
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
    if (r === 1 || r === 0) await awaitReplicas(this.redis, this.keys.meta(jobId), this.replicationWait); // a duplicate too
    return r === 1 ? 'stored' : r === 0 ? 'duplicate' : 'expired';
  }

  /**
   * Result lines from `offset` in input order, up to the first chunk not stored yet (a finished
   * job yields every line). Reads a few chunks at a time, so a large job streams in bounded memory.
   */
  async *readLines(record: JobRecord, offset = 0): AsyncGenerator<string> {
    const { chunkSize, chunks = 0 } = record;
    let { chunk, skip } = locateOffset(offset, chunkSize);
    while (chunk < chunks) {
      const page = Array.from({ length: Math.min(READ_PAGE_CHUNKS, chunks - chunk) }, (_, i) => String(chunk + i));
      const payloads = await this.redis.hmget(this.keys.results(record.id), ...page);
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
   * all pass one reading. `nowMs`: the clock (tests); default Redis TIME. With `tenant`, the chunks
   * also count as that tenant's (both queues together), and in the same step the tenant's
   * `maxQueuedTexts` (0: off) refuses them the same way (`refusedBy: 'tenant'`).
   */
  async reserveTexts(
    priority: Priority,
    chunks: readonly QueuedChunk[],
    limit: number,
    deadline?: { ms: number; share: number },
    nowMs?: number,
    tenant?: TenantBacklog,
  ): Promise<ReservedTexts> {
    const admission = { chunks, limit, deadline, nowMs, tenant };
    const { keys, args } = reservationArgs(this.keys, priority, admission);
    const [queued, drain, other] = keys;
    return reservedOf(
      await this.redis.emoReserveTexts(queued, drain, other, ...(args as [number, number, number, number | '', string, number])),
      tenant,
    );
  }

  /**
   * Chunks picked up by a worker (`pickup`: counted as the workers' pace) or removed from the queue
   * (or never queued) no longer count; returns the texts released. `nowMs`: the clock (tests).
   */
  async releaseTexts(chunkIds: readonly string[], opts: { pickup?: boolean; nowMs?: number } = {}): Promise<number> {
    if (chunkIds.length === 0) return 0;
    return this.redis.emoReleaseTexts(...releaseKeys(this.keys), opts.nowMs ?? '', opts.pickup ? 1 : 0, ...chunkIds);
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
}
