// The fleet's Lua commands (commands/*.lua, shared fragments in commands/includes/): assembled
// once per process by the LuaScriptLoader and defined on an ioredis client by `withFleetCommands`
// (ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT). The .lua files are imported as text,
// so the esbuild bundle in dist/ carries them and no path is looked up at run time.
import type { RedisClient } from './redis-connection';
import beginChunk from './commands/begin-chunk.lua';
import createJob from './commands/create-job.lua';
import fairStamp from './commands/fair-stamp.lua';
import freeIdempotencyKey from './commands/free-idempotency-key.lua';
import createRecord from './commands/includes/create-record.lua';
import drainClock from './commands/includes/drain-clock.lua';
import finishJob from './commands/includes/finish-job.lua';
import idempotency from './commands/includes/idempotency.lua';
import reserve from './commands/includes/reserve.lua';
import laneBeat from './commands/lane-beat.lua';
import laneCounts from './commands/lane-counts.lua';
import laneReap from './commands/lane-reap.lua';
import laneSettle from './commands/lane-settle.lua';
import laneTake from './commands/lane-take.lua';
import openBackfill from './commands/open-backfill.lua';
import releaseTexts from './commands/release-texts.lua';
import reserveTexts from './commands/reserve-texts.lua';
import sealBackfill from './commands/seal-backfill.lua';
import storeChunk from './commands/store-chunk.lua';
import submitJob from './commands/submit-job.lua';
import tenantRate from './commands/tenant-rate.lua';
import { LuaScriptLoader } from './lua-script-loader';

type Arg = string | number;

export type CreateJobOutcome = 'created' | 'existing' | 'conflict';

/** The commands as ioredis methods (arguments: see the header of each .lua file). */
export interface FleetCommands {
  /** numKeys: 1 (meta) or 2 (meta, idempotency key). Returns [created | existing | conflict, owner job id]. */
  emoCreateJob(numKeys: number, ...args: Arg[]): Promise<[CreateJobOutcome, string]>;
  /**
   * CREATE_JOB of the record alone (key: meta), with its key count fixed: on a cluster ioredis routes
   * (and auto-pipelines) a command by its first argument, which must then be the key, not a count.
   */
  emoCreateJobRecord(meta: string, ...args: Arg[]): Promise<[CreateJobOutcome, string]>;
  /**
   * numKeys: 5 (queued, drain, other queued, meta, lane) or 6 (+ idempotency key); args: n, the n
   * reserve-texts arguments, a lane entry or '', then create-job's. Returns [outcome, job id,
   * admitted, queued, limit, tenant queued, refused by].
   */
  emoSubmitJob(numKeys: number, ...args: Arg[]): Promise<[CreateJobOutcome | 'refused', string, number, number, number, number, number]>;
  emoBeginChunk(meta: string, results: string, chunk: number, now: number): Promise<[number, number, number]>;
  emoStoreChunk(meta: string, results: string, ...args: Arg[]): Promise<number>;
  emoReserveTexts(
    queued: string,
    drain: string,
    otherQueued: string,
    limit: number,
    deadlineMs: number,
    share: number,
    now: number | '',
    tenant: string,
    tenantLimit: number,
    ...pairs: Arg[]
  ): Promise<[number, number, number, number, number]>;
  emoReleaseTexts(
    interactive: string,
    interactiveDrain: string,
    bulk: string,
    bulkDrain: string,
    now: number | '',
    pickup: 0 | 1,
    ...chunkIds: string[]
  ): Promise<number>;
  emoOpenBackfill(meta: string, ...args: Arg[]): Promise<[string, number]>;
  /** Fair-share priorities of bulk chunks (fair-share/fair-share-stamper.ts). */
  emoFairStamp(fair: string, prioritized: string, wait: string, delayed: string, active: string, ...args: Arg[]): Promise<number[]>;
  emoSealBackfill(meta: string, ...args: Arg[]): Promise<number>;
  /** Deletes an idempotency key if it still names the job (`:<job id>`): 1 when it did. */
  emoFreeIdempotencyKey(key: string, jobSuffix: string): Promise<number>;
  /** A tenant's token bucket (tenant-quota-store.ts): [allowed, remaining, retry-after ms, reset ms]. */
  emoTenantRate(
    bucket: string,
    rate: number,
    capacity: number,
    cost: number,
    now: number | '',
    mode?: 'refund',
  ): Promise<[number, number, number, number]>;
  /** The interactive lane (lane/, ADR 020): up to `max` more entries from the wait list into a worker's taken list. */
  emoLaneTake(wait: string, taken: string, max: number): Promise<string[]>;
  /** A taken entry back to the wait list ('retry') or to the dead list ('dead'): 1 when it was still taken. */
  emoLaneSettle(taken: string, wait: string, dead: string, mode: 'retry' | 'dead', entry: string, again: string): Promise<number>;
  /** A worker's lease, renewed: returns when it lapses (Redis clock, ms). */
  emoLaneBeat(workers: string, worker: string, leaseMs: number): Promise<number>;
  /** The lane's [waiting, taken, dead] entries. */
  emoLaneCounts(wait: string, workers: string, dead: string, takenPrefix: string): Promise<[number, number, number]>;
  /** Requeues what workers with lapsed leases held: [requeued, dead]. */
  emoLaneReap(
    workers: string,
    wait: string,
    dead: string,
    takenPrefix: string,
    maxStalls: number,
    tombstoneMs: number,
  ): Promise<[number, number]>;
}

export type FleetRedis = RedisClient & FleetCommands;

/** Fragment name → source: what `--- @include "<name>"` may name. */
export const LUA_INCLUDES: Readonly<Record<string, string>> = {
  'create-record': createRecord,
  'drain-clock': drainClock,
  'finish-job': finishJob,
  idempotency,
  reserve,
};

interface CommandSpec {
  /** The file under commands/ (without .lua). */
  readonly file: string;
  readonly source: string;
  /** How many leading arguments are keys; undefined: given with each call. */
  readonly numberOfKeys?: number;
}

export const FLEET_COMMANDS: Readonly<Record<keyof FleetCommands, CommandSpec>> = {
  emoCreateJob: { file: 'create-job', source: createJob },
  emoCreateJobRecord: { file: 'create-job', source: createJob, numberOfKeys: 1 },
  emoSubmitJob: { file: 'submit-job', source: submitJob },
  emoBeginChunk: { file: 'begin-chunk', source: beginChunk, numberOfKeys: 2 },
  emoStoreChunk: { file: 'store-chunk', source: storeChunk, numberOfKeys: 2 },
  emoReserveTexts: { file: 'reserve-texts', source: reserveTexts, numberOfKeys: 3 },
  emoReleaseTexts: { file: 'release-texts', source: releaseTexts, numberOfKeys: 4 },
  emoOpenBackfill: { file: 'open-backfill', source: openBackfill, numberOfKeys: 1 },
  emoFairStamp: { file: 'fair-stamp', source: fairStamp, numberOfKeys: 5 },
  emoSealBackfill: { file: 'seal-backfill', source: sealBackfill, numberOfKeys: 1 },
  emoFreeIdempotencyKey: { file: 'free-idempotency-key', source: freeIdempotencyKey, numberOfKeys: 1 },
  emoTenantRate: { file: 'tenant-rate', source: tenantRate, numberOfKeys: 1 },
  emoLaneTake: { file: 'lane-take', source: laneTake, numberOfKeys: 2 },
  emoLaneSettle: { file: 'lane-settle', source: laneSettle, numberOfKeys: 3 },
  emoLaneBeat: { file: 'lane-beat', source: laneBeat, numberOfKeys: 1 },
  emoLaneReap: { file: 'lane-reap', source: laneReap, numberOfKeys: 3 },
  emoLaneCounts: { file: 'lane-counts', source: laneCounts, numberOfKeys: 3 },
};

let resolved: Readonly<Record<string, string>> | undefined;

/** Every command's Lua with its includes resolved (once per process). */
export function fleetCommandScripts(): Readonly<Record<keyof FleetCommands, string>> {
  const loader = new LuaScriptLoader(LUA_INCLUDES);
  resolved ??= Object.fromEntries(Object.entries(FLEET_COMMANDS).map(([name, spec]) => [name, loader.resolve(spec.file, spec.source)]));
  return resolved as Readonly<Record<keyof FleetCommands, string>>;
}

const defined = new WeakSet<RedisClient>();

/** `redis` with the fleet's commands defined on it (once per client, whoever asks first). */
export function withFleetCommands(redis: RedisClient): FleetRedis {
  if (!defined.has(redis)) {
    const scripts = fleetCommandScripts();
    for (const [name, spec] of Object.entries(FLEET_COMMANDS)) {
      redis.defineCommand(name, { numberOfKeys: spec.numberOfKeys, lua: scripts[name as keyof FleetCommands] });
      retryOnceOnNoScript(redis as unknown as Record<string, unknown>, name);
    }
    defined.add(redis);
  }
  return redis as FleetRedis;
}

/**
 * ioredis sends EVALSHA on a connection where it sent the script before, and on NOSCRIPT resends
 * once; on a cluster that resend is routed again and may land on another node's connection that
 * it also counts as loaded. Scripts are not replicated and a node's script cache is its own, so
 * after failovers (where a node's role changes and it may resync) both tries can answer NOSCRIPT,
 * and the call failed (a 500 on POST /v1/jobs, seen once in the cluster failover chaos test).
 * NOSCRIPT means the script did not run, so one more call is safe: the failed tries made ioredis
 * forget those connections' scripts, and it sends EVAL.
 */
export function retryOnceOnNoScript(client: Record<string, unknown>, name: string): void {
  const call = client[name] as (this: unknown, ...args: unknown[]) => unknown;
  client[name] = function (this: unknown, ...args: unknown[]): unknown {
    // ioredis copies a client's script methods onto each pipeline it makes (auto-pipelining too):
    // there the call only queues the command, and the client-level call this wraps sees its outcome.
    if (this !== client) return call.apply(this, args);
    return (call.apply(client, args) as Promise<unknown>).catch((e: unknown) => {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return call.apply(client, args);
    });
  };
}
