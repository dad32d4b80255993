// The Redis side of per-tenant quotas: each tenant's token bucket (rate limit in texts per
// second, commands/tenant-rate.lua) and its texts queued and not yet picked up (counted by
// RESERVE_TEXTS / RELEASE_TEXTS in the queues' queued-texts hashes, field `#t:<tenant>`). State
// lives in Redis only, so every API pod enforces the same limits.
import type { RedisClient } from './redis-connection';
import { withFleetCommands, type FleetRedis } from './fleet-commands';
import type { FleetKeys } from './fleet-keys';

/** One request's draw from a tenant's bucket. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Whole texts left in the bucket after this request (0 while it is in debt). */
  readonly remaining: number;
  /** 0 when allowed; else ms until the bucket holds what this request needs. */
  readonly retryAfterMs: number;
  /** Ms until the bucket is full again. */
  readonly resetMs: number;
}

export interface RateBucket {
  /** Refill rate, texts per second (> 0). */
  readonly textsPerSecond: number;
  /** Most texts the bucket holds (the burst). */
  readonly capacity: number;
}

/** The field of a queued-texts hash that sums one tenant's queued texts (chunk ids never start with '#'). */
export function tenantQueuedField(tenantId: string): string {
  return `#t:${tenantId}`;
}

export class TenantQuotaStore {
  private readonly redis: FleetRedis;

  constructor(
    redis: RedisClient,
    private readonly keys: FleetKeys,
  ) {
    this.redis = withFleetCommands(redis);
  }

  /** Hash: one tenant's token bucket; gone while the bucket is full. */
  rateKey(tenantId: string): string {
    return `${this.keys.prefix}:fleet:tenant-rate:${tenantId}`;
  }

  /**
   * Takes `cost` texts from the tenant's bucket, atomically (one script call). `nowMs`: the clock
   * (tests drive it); default Redis TIME, one clock for every pod.
   */
  async take(tenantId: string, bucket: RateBucket, cost: number, nowMs?: number): Promise<RateDecision> {
    const [allowed, remaining, retryAfterMs, resetMs] = await this.redis.emoTenantRate(
      this.rateKey(tenantId),
      bucket.textsPerSecond,
      bucket.capacity,
      cost,
      nowMs ?? '',
    );
    return { allowed: allowed === 1, remaining, retryAfterMs, resetMs };
  }

  /**
   * Gives `cost` texts back to the tenant's bucket, atomically, capped at its capacity: a call that a
   * later admission step refused (TENANT_BACKLOG_FULL, OVERLOADED) spends none of the tenant's rate.
   */
  async refund(tenantId: string, bucket: RateBucket, cost: number, nowMs?: number): Promise<RateDecision> {
    const [, remaining, , resetMs] = await this.redis.emoTenantRate(
      this.rateKey(tenantId),
      bucket.textsPerSecond,
      bucket.capacity,
      cost,
      nowMs ?? '',
      'refund',
    );
    return { allowed: true, remaining, retryAfterMs: 0, resetMs };
  }

  /**
   * Counts bulk chunks (a backfill's) as the tenant's queued texts only, not in the queue's own sum
   * (RESERVE_TEXTS' tenant-only mode), atomically refused past `maxQueuedTexts` (0: off) unless
   * nothing of the tenant is queued. Released by RELEASE_TEXTS by chunk id (pick-up, cancel), as
   * every queued chunk is. A chunk already counted is not counted again.
   */
  async reserveOwn(
    tenantId: string,
    maxQueuedTexts: number,
    chunks: readonly { chunkId: string; texts: number }[],
  ): Promise<{ admitted: boolean; tenantQueued: number }> {
    const [admitted, , , tenantQueued] = await this.redis.emoReserveTexts(
      this.keys.queuedTexts('bulk'),
      this.keys.drain('bulk'),
      this.keys.queuedTexts('interactive'),
      -1,
      0,
      0,
      '',
      tenantId,
      maxQueuedTexts,
      ...chunks.flatMap((c) => [c.chunkId, c.texts]),
    );
    return { admitted: admitted === 1, tenantQueued };
  }

  /** The tenant's texts queued on both queues and not yet picked up (what its backlog share counts). */
  async queuedTexts(tenantId: string): Promise<number> {
    const field = tenantQueuedField(tenantId);
    const [interactive, bulk] = await Promise.all([
      this.redis.hget(this.keys.queuedTexts('interactive'), field),
      this.redis.hget(this.keys.queuedTexts('bulk'), field),
    ]);
    return Number(interactive ?? 0) + Number(bulk ?? 0);
  }
}
