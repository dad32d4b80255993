// BullMQ workers on both queues of a fleet, feeding chunks to a ChunkProcessor with high
// concurrency: many chunks in flight let the engine batch texts across them. close() stops
// taking chunks and waits for those in flight (bounded by a timeout). Every chunk ends with
// results within a bound (docs/fleet.md, "Every job finishes"): an attempt that takes longer than
// chunkTimeoutMs fails (and is retried), a worker that dies is found by BullMQ's stalled check, and
// a chunk that fails for good gets CHUNK_FAILED lines from the FailedChunkReaper (at its `failed`
// event, and by a sweep of the failed sets at start and every stalled interval).
// POST /v1/classify chunks come on the interactive lane instead (lane/, ADR 020), which every
// worker drains beside the queues, with the same processor, timeout and metrics.
import { Worker } from 'bullmq';
import { isCluster, type RedisClient } from './redis-connection';
import { AppError } from '@emo/contracts';
import { FleetKeys, PRIORITIES, QUEUE_NAMES } from './fleet-keys';
import type { ChunkData, Priority } from './fleet-job.types';
import type { Attempt, ChunkOutcome, ChunkProcessor } from './chunk-processor';
import { withFleetCommands } from './fleet-commands';
import { LaneConsumer } from './lane/lane-consumer';
import { FailedChunkReaper, type SettledChunk } from './failed-chunk-reaper';
import type { StageTimer } from '@emo/profiler';

export interface ConsumerOptions {
  readonly prefix: string;
  readonly concurrency: Readonly<Record<Priority, number>>;
  readonly lockDurationMs: number;
  /** BullMQ's stalled check period (default: lockDurationMs / 2, at least 1 s); also the reaper's sweep period. */
  readonly stalledIntervalMs?: number;
  /** Stalls a chunk may have before it fails for good (default 3). */
  readonly maxStalledCount?: number;
  /** An attempt that has not finished after this long fails (retryable); 0 or absent: no limit. */
  readonly chunkTimeoutMs?: number;
  /** Called when a chunk that failed for good got CHUNK_FAILED lines (for a log line). */
  readonly onChunkFailed?: (chunk: SettledChunk) => void;
  /** Called when a sweep gave back interactive-lane chunks whose worker's lease lapsed (for a log line). */
  readonly onLaneReaped?: (reaped: { requeued: number; dead: number }) => void;
  /** Called after every chunk, for metrics. */
  readonly onChunk?: (event: ChunkEvent) => void;
  /** Stage timers of libs/profiler: queue_wait here, result_write in the processor. */
  readonly stageTimer?: Pick<StageTimer, 'observe' | 'start'>;
  readonly onError?: (error: Error) => void;
}

export interface ChunkEvent {
  readonly queue: Priority;
  readonly outcome: ChunkOutcome | 'error';
  readonly texts: number;
  readonly durationMs: number;
}

export class ChunkConsumer {
  private readonly workers: Worker<ChunkData, ChunkOutcome>[] = [];
  private readonly lane: LaneConsumer;
  private inFlight = 0;
  private readonly reaper: FailedChunkReaper;
  private sweeper?: NodeJS.Timeout;
  private readonly idleWaiters = new Set<() => void>();
  private sweeping?: Promise<void>;

  private readonly keys: FleetKeys;

  /** `options.prefix`: the fleet's QUEUE_PREFIX; keys are laid out for a cluster when `connection` is one. */
  constructor(
    private readonly connection: RedisClient,
    private readonly processor: ChunkProcessor,
    private readonly options: ConsumerOptions,
  ) {
    this.keys = new FleetKeys(options.prefix, { cluster: isCluster(connection) });
    this.reaper = new FailedChunkReaper(connection, this.keys, processor.store, { onSettled: options.onChunkFailed });
    this.lane = new LaneConsumer(
      withFleetCommands(connection),
      () => connection.duplicate(),
      this.keys,
      (data, attempt, queuedAt) => this.run('interactive', data, attempt, queuedAt),
      (chunk) => this.reaper.settle(chunk),
      {
        concurrency: options.concurrency.interactive,
        leaseMs: options.lockDurationMs,
        maxStalledCount: options.maxStalledCount ?? 3,
        onError: (e) => options.onError?.(e),
        onReaped: options.onLaneReaped,
      },
    );
  }

  get stalledIntervalMs(): number {
    return this.options.stalledIntervalMs ?? Math.max(1000, Math.floor(this.options.lockDurationMs / 2));
  }

  start(): void {
    for (const priority of PRIORITIES) {
      const worker = new Worker<ChunkData, ChunkOutcome>(
        QUEUE_NAMES[priority],
        (job) => this.run(priority, job.data, { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 }, job.timestamp),
        {
          connection: this.connection,
          prefix: this.keys.bullPrefix,
          concurrency: this.options.concurrency[priority],
          lockDuration: this.options.lockDurationMs,
          stalledInterval: this.stalledIntervalMs,
          maxStalledCount: this.options.maxStalledCount ?? 3,
        },
      );
      worker.on('error', (e) => this.options.onError?.(e));
      // A chunk's final failure (attempts used up, stalled too often, results not stored): CHUNK_FAILED lines.
      worker.on('failed', (job) => {
        if (job?.finishedOn === undefined) return; // another attempt follows
        this.reaper.settle(job).catch((e: Error) => this.options.onError?.(e));
      });
      this.workers.push(worker);
    }
    this.lane.start();
    void this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), this.stalledIntervalMs);
    this.sweeper.unref();
  }

  /** Settles failed chunks nobody settled (the process that failed them died, or Redis failed meanwhile). */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepAll().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepAll(): Promise<void> {
    try {
      for (const worker of this.workers) await this.reaper.sweep(worker);
    } catch (e) {
      this.options.onError?.(e as Error);
    }
    await this.lane.sweep().catch((e: Error) => this.options.onError?.(e));
  }

  get activeChunks(): number {
    return this.inFlight;
  }

  /**
   * Stops taking chunks and waits for those in flight; true when they all finished in time. Past the
   * timeout the workers close by force: chunks still running keep their locks until they lapse, then
   * another worker reruns them. The graceful wait is ours: BullMQ's close(true) after a graceful
   * close() returns the graceful one, which never ends while a chunk hangs.
   */
  async close(timeoutMs: number): Promise<boolean> {
    clearInterval(this.sweeper);
    await Promise.all([...this.workers.map((w) => w.pause(true)), this.lane.stop()]);
    const finished = await this.idle(timeoutMs);
    await this.sweeping;
    // Lane chunks still running (past the timeout) go back to the lane at once, for another worker.
    await this.lane.leave();
    await Promise.all(this.workers.map((w) => w.close(!finished)));
    return finished;
  }

  /** Resolves true once no chunk is in flight, false when `timeoutMs` passes first. */
  private idle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.add(done);
    });
  }

  /** One attempt at a chunk from a queue or the lane; `queuedAt`: when it was queued (ms, the producer's clock). */
  private async run(priority: Priority, data: ChunkData, attempt: Attempt, queuedAt: number): Promise<ChunkOutcome> {
    const started = performance.now();
    this.options.stageTimer?.observe('queue_wait', Math.max(0, Date.now() - queuedAt), {
      count: data.items.length,
      labels: { priority },
      traceId: data.jobId,
    });
    this.inFlight++;
    let outcome: ChunkOutcome | 'error' = 'error';
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = this.processor.process(data, attempt);
      const limit = this.options.chunkTimeoutMs;
      if (!limit) {
        outcome = await work;
        return outcome;
      }
      // Past the limit the attempt fails and BullMQ retries it; if the abandoned run still stores its
      // results later, STORE_CHUNK keeps whichever store came first.
      work.catch(() => undefined);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AppError('DEADLINE_EXCEEDED', `Chunk not done within WORKER_CHUNK_TIMEOUT_MS (${limit} ms)`)),
          limit,
        );
      });
      outcome = await Promise.race([work, timeout]);
      return outcome;
    } finally {
      clearTimeout(timer);
      if (--this.inFlight === 0) {
        for (const wake of this.idleWaiters) wake();
        this.idleWaiters.clear();
      }
      this.options.onChunk?.({ queue: priority, outcome, texts: data.items.length, durationMs: performance.now() - started });
    }
  }
}
