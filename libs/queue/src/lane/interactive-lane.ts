// The interactive lane (ADR 020): POST /v1/classify chunks on a plain Redis list instead of BullMQ's
// interactive queue. One LPUSH queues a chunk and a worker blocked in BLMOVE has it in the same
// round trip, where BullMQ's add, marker wake-up and moveToActive took four. Workers hold what they
// took under a lease (lane-consumer.ts); what a lapsed lease held goes back to the list. Async jobs
// and backfills stay on BullMQ. This side queues and counts.
import type { ChunkJob } from '../chunk-job';
import { withFleetCommands, type FleetRedis } from '../fleet-commands';
import type { FleetKeys } from '../fleet-keys';
import type { RedisClient } from '../redis-connection';
import { encodeLaneEntry } from './lane-entry';

export interface LaneCounts {
  /** Chunks waiting for a worker. */
  readonly waiting: number;
  /** Chunks workers took and have not settled. */
  readonly active: number;
  /** Chunks out of attempts, waiting for their CHUNK_FAILED lines. */
  readonly failed: number;
}

export class InteractiveLane {
  private readonly redis: FleetRedis;

  constructor(
    redis: RedisClient,
    private readonly keys: FleetKeys,
    private readonly now: () => number = Date.now,
  ) {
    this.redis = withFleetCommands(redis);
  }

  /** Queues one chunk (first in, first out). */
  async push(job: ChunkJob): Promise<void> {
    await this.redis.lpush(this.keys.laneWait, this.entry(job));
  }

  /** The chunk as a lane entry, queued now. */
  entry(job: ChunkJob): string {
    return encodeLaneEntry(job, this.now());
  }

  /** One round trip however many workers there are (LANE_COUNTS). */
  async counts(): Promise<LaneCounts> {
    const k = this.keys;
    const [waiting, active, failed] = await this.redis.emoLaneCounts(k.laneWait, k.laneWorkers, k.laneDead, k.laneTakenPrefix);
    return { waiting, active, failed };
  }
}
