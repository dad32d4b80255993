// A worker's side of the interactive lane (interactive-lane.ts, ADR 020). One connection blocks in
// BLMOVE, which moves the oldest entry into this worker's taken list and returns it; a busy worker
// then moves as many more as there are free slots (LANE_TAKE). A taken entry stays in the taken list until its chunk
// is settled: stored (LREM), retried (back to the wait list with the attempt counted) or out of
// attempts (to the dead list, whose entries get CHUNK_FAILED lines). The worker renews a lease in
// the workers sorted set every third of WORKER_LOCK_DURATION_MS; every worker's sweep requeues the
// taken lists of workers whose lease lapsed (a stall counted; past maxStalledCount: the dead list),
// settles the dead list, and gives back entries of its own taken list that no run holds (a reply
// lost with its connection). Every chunk so ends stored or with CHUNK_FAILED lines; a chunk that
// runs twice is stored once (STORE_CHUNK).
import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Attempt, ChunkOutcome } from '../chunk-processor';
import type { ChunkData } from '../fleet-job.types';
import type { FleetKeys } from '../fleet-keys';
import type { FleetRedis } from '../fleet-commands';
import type { RedisClient } from '../redis-connection';
import { decodeLaneEntry, withFailedAttempt, type LaneEntry } from './lane-entry';

/** Runs one chunk (ChunkConsumer: timeout, metrics, the processor); rejects when the attempt failed. */
export type LaneRun = (data: ChunkData, attempt: Attempt, queuedAt: number) => Promise<ChunkOutcome>;
/** Writes CHUNK_FAILED lines for a chunk out of attempts (FailedChunkReaper.settle). */
export type LaneSettleFailed = (chunk: { data: ChunkData; attemptsMade: number; failedReason: string }) => Promise<unknown>;

export interface LaneConsumerOptions {
  /** Chunks from the lane in flight at once (WORKER_INTERACTIVE_CONCURRENCY). */
  readonly concurrency: number;
  /** The worker's lease (WORKER_LOCK_DURATION_MS): renewed every third of it. */
  readonly leaseMs: number;
  /** Stalls an entry may have; one more sends it to the dead list. */
  readonly maxStalledCount: number;
  /** Seconds one BLMOVE blocks before it asks again (default 1). */
  readonly blockSeconds?: number;
  readonly onError?: (error: Error) => void;
  /** Called when a sweep gave back what lapsed workers held (for a log line): entries requeued and sent to the dead list. */
  readonly onReaped?: (reaped: { requeued: number; dead: number }) => void;
}

/**
 * How long a reaped worker stays in the workers set as a tombstone whose taken list every sweep
 * empties again (lane-reap.lua): far longer than any pause after which a worker could still take.
 */
const TOMBSTONE_MS = 3_600_000;
/** How long stop() waits for the take loop to see its blocked command cut. */
const STOP_WAIT_MS = 2000;
/** Entries of the dead list settled per sweep. */
const DEAD_PAGE = 100;

export class LaneConsumer {
  readonly id = randomUUID();
  private readonly taken: string;
  /** Entries taken and not yet settled (their run, then their LREM or give-back). */
  private readonly running = new Set<string>();
  /** Runs in progress: an entry whose run is over but whose settling is on its way does not count. */
  private computing = 0;
  /** Entries of the taken list that no run held at the last sweep: given back if still so at the next. */
  private orphans = new Set<string>();
  private closing = false;
  private slotFreed?: () => void;
  private loop?: Promise<void>;
  private beat?: NodeJS.Timeout;
  private blocker?: RedisClient;
  /** A beat reached Redis: this worker is in the workers set, so what it takes can be reaped. */
  private leased = false;

  /** `redis`: commands (the fleet's commands defined on it); `connectBlocker`: a connection of its own for BLMOVE, opened by start(). */
  constructor(
    private readonly redis: FleetRedis,
    private readonly connectBlocker: () => RedisClient,
    private readonly keys: FleetKeys,
    private readonly run: LaneRun,
    private readonly settleFailed: LaneSettleFailed,
    private readonly options: LaneConsumerOptions,
  ) {
    this.taken = keys.laneTaken(this.id);
  }

  get inFlight(): number {
    return this.running.size;
  }

  start(): void {
    this.blocker ??= this.connectBlocker();
    this.beat = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    this.beat.unref();
    this.loop = this.take();
  }

  /**
   * Stops taking: the blocked BLMOVE is cut (what it moved meanwhile stays in the taken list for
   * `leave`). Bounded: a client that never fails the cut command does not hold the shutdown.
   */
  async stop(): Promise<void> {
    this.closing = true;
    this.slotFreed?.();
    this.blocker?.disconnect();
    await settledWithin(this.loop ?? Promise.resolve(), STOP_WAIT_MS);
  }

  /**
   * After stop() and the wait for runs in flight: gives back everything still taken (a stall counted)
   * and drops the lease. Bounded by the lease: past it (Redis unreachable, commands queued for a
   * reconnect) the lease lapses anyway and another worker's sweep requeues the entries.
   */
  async leave(): Promise<void> {
    clearInterval(this.beat);
    const give = (async () => {
      await this.redis.zadd(this.keys.laneWorkers, 0, this.id);
      await this.reap(false);
      await this.redis.zrem(this.keys.laneWorkers, this.id);
    })();
    await settledWithin(
      give.catch((e: Error) => this.options.onError?.(e)),
      this.options.leaseMs,
    );
  }

  /** Requeues lapsed workers' entries, settles the dead list and gives back this worker's orphaned entries. */
  async sweep(): Promise<void> {
    await this.reap();
    await this.settleDead();
    await this.adoptOrphans();
  }

  /** `report`: tell onReaped (not for this worker's own give-back on close). */
  private async reap(report = true): Promise<void> {
    const k = this.keys;
    const [requeued, dead] = await this.redis.emoLaneReap(
      k.laneWorkers,
      k.laneWait,
      k.laneDead,
      k.laneTakenPrefix,
      this.options.maxStalledCount,
      TOMBSTONE_MS,
    );
    if (report && requeued + dead > 0) this.options.onReaped?.({ requeued, dead });
  }

  private async renew(): Promise<void> {
    try {
      await this.redis.emoLaneBeat(this.keys.laneWorkers, this.id, this.options.leaseMs);
      this.leased = true;
    } catch (e) {
      this.options.onError?.(e as Error);
    }
  }

  private async take(): Promise<void> {
    const block = this.options.blockSeconds ?? 1;
    const blocker = this.blocker as RedisClient;
    // Nothing is taken before the lease exists: a taken list whose worker is not in the workers set
    // would be reaped by no one.
    while (!this.closing && !this.leased) {
      await this.renew();
      if (!this.leased) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    while (!this.closing) {
      if (this.running.size >= this.options.concurrency) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        this.slotFreed = undefined;
        continue;
      }
      let first: string | null;
      try {
        first = await blocker.blmove(this.keys.laneWait, this.taken, 'RIGHT', 'LEFT', block);
      } catch (e) {
        if (this.closing) break;
        this.options.onError?.(e as Error);
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      if (first === null) continue;
      // An idle worker that gets one entry has most likely got the only one (one call at a time):
      // it asks for more only while busy, so a lone call costs no extra round trip. A burst that
      // found it idle is taken on the next turn (BLMOVE answers at once, and then it is busy).
      // Busy is a run in progress: one call after another finds the last one's LREM on its way.
      const busy = this.computing > 0;
      this.dispatch(first);
      const room = this.options.concurrency - this.running.size;
      if (!busy || room <= 0 || this.closing) continue;
      try {
        for (const entry of await this.redis.emoLaneTake(this.keys.laneWait, this.taken, room)) this.dispatch(entry);
      } catch (e) {
        this.options.onError?.(e as Error); // anything it moved is adopted back by the sweep
      }
    }
  }

  private dispatch(raw: string): void {
    const entry = decodeLaneEntry(raw);
    if (!entry) {
      this.options.onError?.(new Error(`Dropped a malformed interactive lane entry: ${raw.slice(0, 80)}`));
      void this.redis.lrem(this.taken, 1, raw).catch(() => undefined);
      return;
    }
    this.running.add(raw);
    this.settle(entry)
      .catch((e: Error) => this.options.onError?.(e))
      .finally(() => {
        this.running.delete(raw);
        this.slotFreed?.();
      });
  }

  private async settle(entry: LaneEntry): Promise<void> {
    const k = this.keys;
    try {
      await this.runCounted(entry);
    } catch (e) {
      // UnrecoverableError: the processor stored the items' error lines already.
      if (!(e instanceof UnrecoverableError)) {
        const again = withFailedAttempt(entry);
        if (entry.failed + 1 < entry.attempts) {
          await this.redis.emoLaneSettle(this.taken, k.laneWait, k.laneDead, 'retry', entry.raw, again);
          return;
        }
        if ((await this.redis.emoLaneSettle(this.taken, k.laneWait, k.laneDead, 'dead', entry.raw, again)) === 1)
          await this.failed({ ...entry, raw: again, failed: entry.failed + 1 }, (e as Error).message);
        return;
      }
    }
    await this.redis.lrem(this.taken, 1, entry.raw);
  }

  private async runCounted(entry: LaneEntry): Promise<void> {
    this.computing++;
    try {
      await this.run(entry.data, { attemptsMade: entry.failed, attempts: entry.attempts }, entry.queuedAt);
    } finally {
      this.computing--;
    }
  }

  /** CHUNK_FAILED lines for a dead entry, then it leaves the dead list (a failure here: the next sweep tries again). */
  private async failed(dead: LaneEntry, reason: string): Promise<void> {
    await this.settleFailed({ data: dead.data, attemptsMade: dead.failed + dead.stalls, failedReason: reason });
    await this.redis.lrem(this.keys.laneDead, 1, dead.raw);
  }

  private async settleDead(): Promise<void> {
    for (const raw of await this.redis.lrange(this.keys.laneDead, 0, DEAD_PAGE - 1)) {
      const entry = decodeLaneEntry(raw);
      if (!entry) {
        await this.redis.lrem(this.keys.laneDead, 1, raw);
        continue;
      }
      const why = entry.stalls > 0 ? `the worker running it stopped ${entry.stalls} times` : 'every attempt failed';
      await this.failed(entry, why);
    }
  }

  private async adoptOrphans(): Promise<void> {
    if (this.closing) return;
    const held = (await this.redis.lrange(this.taken, 0, -1)).filter((raw) => !this.running.has(raw));
    const seen = this.orphans;
    this.orphans = new Set(held.filter((raw) => !seen.has(raw)));
    for (const raw of held.filter((r) => seen.has(r))) {
      // Taken by a reply that never arrived: back at the taking end, no attempt counted.
      await this.redis.emoLaneSettle(this.taken, this.keys.laneWait, this.keys.laneDead, 'retry', raw, raw);
    }
  }
}

/** Resolves when `work` settles (it must not reject) or after `ms`, whichever comes first. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
