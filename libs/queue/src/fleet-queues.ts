// The two BullMQ queues of a fleet (interactive, bulk) under one prefix, with their job counts.
// With fair share on, bulk chunks are added with fair-share priorities (fair-share/, ADR 014), so
// tenants' bulk work interleaves by weight; interactive chunks stay first in, first out.
// POST /v1/classify chunks go on the interactive lane (lane/, ADR 020); the interactive counts
// include it.
import { Queue } from 'bullmq';
import type { ChunkJob } from './chunk-job';
import { FairShareStamper, withoutShare } from './fair-share/fair-share-stamper';
import { FleetKeys, PRIORITIES, QUEUE_NAMES } from './fleet-keys';
import { isCluster, type RedisClient } from './redis-connection';
import { awaitReplicas, type ReplicationWait } from './replication-wait';
import { InteractiveLane } from './lane/interactive-lane';
import type { ChunkData, Priority } from './fleet-job.types';

/** BullMQ states counted for metrics; the first three are the backlog (not yet picked up). */
export const COUNTED_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const;
export const BACKLOG_STATES = ['waiting', 'prioritized', 'delayed'] as const;
export type CountedState = (typeof COUNTED_STATES)[number];
export type QueueCounts = Record<CountedState, number> & { backlog: number };
/** Chunk jobs per addBulk. */
const ADD_SLICE = 1000;

export interface FleetQueuesOptions {
  /** Bulk work shared fairly between tenants by weight (FAIR_SHARE_ENABLED); default off: one FIFO bulk queue. */
  readonly fairShare?: boolean;
  /**
   * Completed chunks each queue keeps, newest first, each no longer than it would be kept had it
   * failed (QUEUE_KEEP_COMPLETED_CHUNKS, for the queue dashboard); default 0: removed on completion.
   */
  readonly keepCompleted?: number;
  /** REDIS_WAIT_REPLICAS: add() resolves once the queue master's replicas have the chunks (replication-wait.ts). */
  readonly replicationWait?: ReplicationWait;
}

export class FleetQueues {
  private readonly queues: Record<Priority, Queue<ChunkData>>;
  private readonly stamper?: FairShareStamper;
  private readonly keepCompleted: number;
  private readonly lane: InteractiveLane;

  /** BullMQ's key prefix of both queues (`{<prefix>}` on a cluster). */
  readonly bullPrefix: string;

  /**
   * `onError`: errors BullMQ reports on a queue (without a listener it prints them with console.error).
   * `prefix`: the fleet's QUEUE_PREFIX; on a cluster connection the queues live under `{<prefix>}`.
   */
  constructor(
    private readonly connection: RedisClient,
    readonly prefix: string,
    onError?: (error: Error) => void,
    private readonly options: FleetQueuesOptions = {},
  ) {
    const keys = new FleetKeys(prefix, { cluster: isCluster(connection) });
    this.bullPrefix = keys.bullPrefix;
    const bull = { connection, prefix: keys.bullPrefix };
    this.queues = {
      interactive: new Queue<ChunkData>(QUEUE_NAMES.interactive, bull),
      bulk: new Queue<ChunkData>(QUEUE_NAMES.bulk, bull),
    };
    for (const p of PRIORITIES) this.queues[p].on('error', (e: Error) => onError?.(e));
    this.keepCompleted = options.keepCompleted ?? 0;
    this.lane = new InteractiveLane(connection, keys);
    if (options.fairShare) this.stamper = new FairShareStamper(connection, this.queues.bulk, keys.fairShare);
  }

  queue(priority: Priority): Queue<ChunkData> {
    return this.queues[priority];
  }

  /** Queues chunk jobs (chunk-job.ts) on the queue of their priority. */
  async add(jobs: readonly ChunkJob[]): Promise<void> {
    for (const priority of PRIORITIES) {
      const mine = jobs.filter((j) => j.data.priority === priority);
      // addBulk is one MULTI: large jobs go in slices so one request does not block Redis for long.
      for (let i = 0; i < mine.length; i += ADD_SLICE) {
        const slice = mine.slice(i, i + ADD_SLICE).map((j) => this.retained(j));
        const ready = priority === 'bulk' ? await this.share(slice) : slice;
        // One chunk (a /v1/classify call): a plain add, without addBulk's MULTI/EXEC around it.
        if (ready.length === 1) await this.queues[priority].add(ready[0].name, ready[0].data, ready[0].opts);
        else await this.queues[priority].addBulk(ready);
      }
    }
    // BullMQ writes over this connection (shared with its Queue objects), so WAIT covers the adds.
    if (jobs.length > 0) await awaitReplicas(this.connection, this.bullPrefix, this.options.replicationWait);
  }

  /** Queues a POST /v1/classify call's one chunk on the interactive lane (ADR 020) instead of a queue. */
  async pushLane(job: ChunkJob): Promise<void> {
    await this.lane.push(job);
    await awaitReplicas(this.connection, this.bullPrefix, this.options.replicationWait);
  }

  /** A one-chunk interactive job as an entry of the interactive lane, for a script that queues it itself (SUBMIT_JOB). */
  laneEntry(job: ChunkJob): string {
    return this.lane.entry(job);
  }

  /** The chunk as kept after completion: removed at once, or among the newest `keepCompleted`. */
  private retained(job: ChunkJob): ChunkJob {
    if (this.keepCompleted === 0) return job;
    const failed = job.opts.removeOnFail;
    const age = typeof failed === 'object' && 'age' in failed ? failed.age : undefined;
    return { ...job, opts: { ...job.opts, removeOnComplete: { count: this.keepCompleted, ...(age !== undefined ? { age } : {}) } } };
  }

  /** Bulk chunks with fair-share priorities, or (fair share off) without a weight: arrival order everywhere. */
  private async share(jobs: ChunkJob[]): Promise<ChunkJob[]> {
    return this.stamper ? this.stamper.stamp(jobs) : jobs.map(withoutShare);
  }

  /** BullMQ's counts of the priority's queue; interactive ones add the lane's (waiting, active, failed). */
  async counts(priority: Priority): Promise<QueueCounts> {
    const [c, lane] = await Promise.all([
      this.queues[priority].getJobCounts(...COUNTED_STATES),
      priority === 'interactive' ? this.lane.counts() : undefined,
    ]);
    const counts = Object.fromEntries(COUNTED_STATES.map((s) => [s, c[s] ?? 0])) as Record<CountedState, number>;
    if (lane) {
      counts.waiting += lane.waiting;
      counts.active += lane.active;
      counts.failed += lane.failed;
    }
    return { ...counts, backlog: BACKLOG_STATES.reduce((n, s) => n + counts[s], 0) };
  }

  async allCounts(): Promise<Record<Priority, QueueCounts>> {
    const [interactive, bulk] = await Promise.all(PRIORITIES.map((p) => this.counts(p)));
    return { interactive, bulk };
  }

  async close(): Promise<void> {
    await Promise.all(PRIORITIES.map((p) => this.queues[p].close()));
  }

  /** Removes every key of both queues (tests and teardown of a throwaway fleet). */
  async obliterate(): Promise<void> {
    await Promise.all(PRIORITIES.map((p) => this.queues[p].obliterate({ force: true })));
  }
}
