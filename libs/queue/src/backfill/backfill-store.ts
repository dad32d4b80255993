// The Redis side of a backfill. A backfill is a fleet job (meta hash + results hash, written by
// workers through the same exactly-once STORE_CHUNK) whose job id carries its tenant and the
// backfill id (backfillJobId), plus an inputs hash kept by the API: chunk index → the chunk's
// input entries, and `d<index>` → the digest of its content, so a resumed upload can tell the
// same file from another one. Backfill ids are the tenant's own: two tenants may each have
// `support-2023`, and to a tenant another's backfill does not exist.
import type { RedisClient } from '../redis-connection';
import { AppError, DEFAULT_TENANT_ID } from '@emo/contracts';
import { withFleetCommands, type FleetRedis } from '../fleet-commands';
import type { FleetKeys } from '../fleet-keys';
import { decodeJobRecord, encodeJobRecord, newRecordFields, type JobRecord } from '../job-record';
import { awaitReplicas, type ReplicationWait } from '../replication-wait';
import type { ChunkInputs, InputEntry } from './backfill.types';

export interface StoredChunkPair {
  readonly index: number;
  readonly inputs: ChunkInputs | null;
  readonly results: string | null;
}

/** Longest backfill id; the API's maxParamLength (URL path parameters) is above it, so every id it accepts can be read back. */
export const BACKFILL_ID_MAX_CHARS = 128;
const BACKFILL_ID = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${BACKFILL_ID_MAX_CHARS - 1}}$`);

export function checkBackfillId(id: string): string {
  if (!BACKFILL_ID.test(id))
    throw new AppError(
      'BACKFILL_ID_INVALID',
      `A backfill id is 1-${BACKFILL_ID_MAX_CHARS} characters: letters, digits, "-" and "_" (not first); got ${id.length} characters`,
    );
  return id;
}

/**
 * The fleet job id of a tenant's backfill (its chunks are BullMQ jobs `<job id>.<chunk>`):
 * `bf-<id>` for the default tenant (as before tenants existed, so those backfills stay its own),
 * `bf-<tenant>~<id>` for any other. Neither a tenant id nor a backfill id holds `~`, so no two
 * (tenant, id) pairs share a job id; a backfill's job id is never served by /v1/jobs.
 */
export function backfillJobId(tenant: string, backfillId: string): string {
  return tenant === DEFAULT_TENANT_ID ? `bf-${backfillId}` : `bf-${tenant}~${backfillId}`;
}

export interface BackfillStoreOptions {
  /** The clock of records and inputs (tests); default Date.now. */
  readonly now?: () => number;
  /** REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS: what writes of inputs wait for (FleetClient.replicationWait). */
  readonly replicationWait?: ReplicationWait;
}

export class BackfillStore {
  private readonly redis: FleetRedis;

  private readonly now: () => number;
  /** REDIS_WAIT_REPLICAS: inputs are replicated before their chunks are queued. */
  private readonly replicationWait?: ReplicationWait;

  constructor(
    redis: RedisClient,
    readonly keys: FleetKeys,
    private readonly ttlSeconds: number,
    options: BackfillStoreOptions = {},
  ) {
    this.redis = withFleetCommands(redis);
    this.now = options.now ?? Date.now;
    this.replicationWait = options.replicationWait;
  }

  /** The fleet job id of the tenant's backfill (backfillJobId). */
  jobId(tenant: string, backfillId: string): string {
    return backfillJobId(tenant, backfillId);
  }

  inputsKey(jobId: string): string {
    return `${this.keys.meta(jobId)}:inputs`;
  }

  /** Creates the record, or reopens it for a resumed upload; returns the chunk size to use. */
  async open(tenant: string, backfillId: string, settings: string, chunkSize: number): Promise<{ created: boolean; chunkSize: number }> {
    const jobId = this.jobId(tenant, backfillId);
    const fields = newRecordFields({ kind: 'backfill', id: jobId, tenant, backfillId, settings, chunkSize, createdAt: this.now() });
    const [outcome, size] = await this.redis.emoOpenBackfill(this.keys.meta(jobId), this.ttlSeconds, settings, ...fields);
    if (outcome === 'conflict') {
      throw new AppError('BACKFILL_CONFLICT', `Backfill ${backfillId} exists with other settings (format, fields or scores); use a new id`);
    }
    return { created: outcome === 'created', chunkSize: Number(size) };
  }

  /** Per chunk: the digest stored by an earlier upload (null: none) and whether its results are stored. */
  async chunkStates(jobId: string, indices: readonly number[]): Promise<{ digest: string | null; stored: boolean }[]> {
    const pipe = this.redis.pipeline();
    pipe.hmget(this.inputsKey(jobId), ...indices.map((i) => `d${i}`));
    for (const i of indices) pipe.hexists(this.keys.results(jobId), String(i));
    const replies = (await pipe.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const digests = replies[0][1] as (string | null)[];
    return indices.map((_, k) => ({ digest: digests[k], stored: replies[k + 1][1] === 1 }));
  }

  /**
   * Writes chunks' inputs before their texts are queued (results are read against them), and with
   * REDIS_WAIT_REPLICAS waits until replicas have them: a failover must not lose the inputs of a
   * chunk whose results it keeps (that backfill would read back only up to the chunk).
   */
  async writeInputs(
    jobId: string,
    chunks: readonly { index: number; inputs: ChunkInputs }[],
    uploadedLines: number,
    ingestErrors: number,
  ): Promise<void> {
    const pipe = this.redis.pipeline();
    if (chunks.length > 0) {
      const fields: string[] = [];
      for (const c of chunks) fields.push(String(c.index), JSON.stringify(c.inputs.entries), `d${c.index}`, c.inputs.digest);
      pipe.hset(this.inputsKey(jobId), ...fields);
      pipe.expire(this.inputsKey(jobId), this.ttlSeconds);
    }
    pipe.hset(this.keys.meta(jobId), ...encodeJobRecord({ uploadedLines, ingestErrors }));
    const replies = (await pipe.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    if (chunks.length > 0) await awaitReplicas(this.redis, this.keys.meta(jobId), this.replicationWait);
  }

  /** The upload went through the whole file: fixes the counts; finishes the backfill if every chunk is stored. */
  async seal(jobId: string, lines: number, chunks: number, inputErrors: number): Promise<void> {
    const r = await this.redis.emoSealBackfill(
      this.keys.meta(jobId),
      lines,
      chunks,
      inputErrors,
      this.now(),
      this.keys.finishedChannel,
      jobId,
      this.ttlSeconds,
    );
    if (r === -1) throw new AppError('BACKFILL_NOT_FOUND', `Backfill record ${jobId} expired during the upload`);
    // The results and inputs live as long as the record from now on.
    await this.redis.expire(this.inputsKey(jobId), this.ttlSeconds);
  }

  /** The tenant's backfill; undefined when unknown or expired (another tenant's `id` is another backfill). */
  async record(tenant: string, backfillId: string): Promise<JobRecord | undefined> {
    const record = decodeJobRecord(await this.redis.hgetall(this.keys.meta(this.jobId(tenant, backfillId))));
    return record?.kind === 'backfill' && record.tenant === tenant ? record : undefined;
  }

  /** BACKFILL_NOT_FOUND, the same for a missing id as for one only another tenant has. */
  async requireRecord(tenant: string, backfillId: string): Promise<JobRecord> {
    const record = await this.record(tenant, checkBackfillId(backfillId));
    if (!record) throw new AppError('BACKFILL_NOT_FOUND', `Backfill ${backfillId} not found (or expired)`);
    return record;
  }

  /** Inputs and results of chunks [from, from + count), in one round trip. */
  async readChunks(jobId: string, from: number, count: number): Promise<StoredChunkPair[]> {
    const fields = Array.from({ length: count }, (_, i) => String(from + i));
    const pipe = this.redis.pipeline();
    pipe.hmget(this.inputsKey(jobId), ...fields);
    pipe.hmget(this.keys.results(jobId), ...fields);
    const replies = (await pipe.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const inputs = replies[0][1] as (string | null)[];
    const results = replies[1][1] as (string | null)[];
    return fields.map((_, i) => ({
      index: from + i,
      inputs: inputs[i] === null ? null : { digest: '', entries: JSON.parse(inputs[i] as string) as InputEntry[] },
      results: results[i],
    }));
  }
}
