// Fair share of the bulk queue between tenants (ADR 014). Open-source BullMQ has no per-group
// fairness, so a tenant's backfill would delay every other tenant's bulk work by its whole
// backlog; instead each bulk chunk is given a BullMQ priority that is its start tag under
// start-time fair queueing (commands/fair-stamp.lua, one atomic call per slice of chunks):
// tenants' chunks are picked up interleaved in proportion to their weights. The chunk also
// carries its tenant's weight, so the worker's engine shares its bulk batches the same way
// (libs/batching tenant-lanes.ts). Nothing is lost on a crash: the stamp is only a number on an
// ordinary BullMQ job; at worst a tenant is charged for chunks stamped but never added.
import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis-connection';
import { DEFAULT_TENANT_ID } from '@emo/contracts';
import type { ChunkJob } from '../chunk-job';
import type { ChunkData } from '../fleet-job.types';
import { withFleetCommands, type FleetRedis } from '../fleet-commands';

/** Texts (at weight 1) per priority step: a default chunk of 256 texts is 4 steps. */
export const FAIR_SHARE_STEP_TEXTS = 64;
/** BullMQ's highest priority (2^21 − 1). */
export const FAIR_SHARE_TOP_PRIORITY = 2 ** 21 - 1;
/**
 * Past half the range, the clock starts again from 0 the next time no bulk chunk waits, is
 * delayed or runs: 2^20 steps × 64 texts, 67M texts of virtual time (the range ends at twice that;
 * a clock still running at the top puts new chunks in arrival order until it restarts).
 */
const RESTART_AT = 2 ** 20 * FAIR_SHARE_STEP_TEXTS;

export class FairShareStamper {
  private readonly redis: FleetRedis;

  constructor(
    redis: RedisClient,
    private readonly queue: Queue<ChunkData>,
    /** The fair-share hash of this queue (virtual clock and per-tenant marks). */
    private readonly key: string,
  ) {
    this.redis = withFleetCommands(redis);
  }

  /** The chunks with their tenant's weight in their data and their fair-share priority (none for chunks already queued). */
  async stamp(jobs: readonly ChunkJob[]): Promise<ChunkJob[]> {
    if (jobs.length === 0) return [];
    const weights = jobs.map((j) => validWeight(j.data.weight));
    const args = jobs.flatMap((j, k) => [j.opts.jobId, tenantOf(j.data), j.data.items.length / weights[k]]);
    const q = this.queue.keys;
    const priorities = await this.redis.emoFairStamp(
      this.key,
      q.prioritized,
      q.wait,
      q.delayed,
      q.active,
      FAIR_SHARE_STEP_TEXTS,
      FAIR_SHARE_TOP_PRIORITY,
      this.queue.toKey(''),
      RESTART_AT,
      ...args,
    );
    return jobs.map((j, k) => ({
      ...j,
      data: { ...j.data, weight: weights[k] },
      opts: priorities[k] > 0 ? { ...j.opts, priority: priorities[k] } : j.opts,
    }));
  }
}

/** Chunks queued with fair share off: no weight, so the worker keeps their texts in arrival order too. */
export function withoutShare(job: ChunkJob): ChunkJob {
  if (job.data.weight === undefined) return job;
  const { weight: _weight, ...data } = job.data;
  return { ...job, data };
}

function tenantOf(data: ChunkData): string {
  return data.tenant || DEFAULT_TENANT_ID;
}

function validWeight(weight: number | undefined): number {
  return weight !== undefined && Number.isFinite(weight) && weight > 0 ? weight : 1;
}
