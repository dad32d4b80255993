// BullMQ workers on both queues of a fleet, feeding chunks to a ChunkProcessor with high
// concurrency: many chunks in flight let the engine batch texts across them. close() stops
// taking chunks and waits for those in flight (bounded by a timeout).
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { PRIORITIES, QUEUE_NAMES } from './fleet-keys';
import type { ChunkData, Priority } from './fleet-job.types';
import type { ChunkOutcome, ChunkProcessor } from './chunk-processor';
import type { StageTimer } from '@emo/profiler';

export interface ConsumerOptions {
  readonly prefix: string;
  readonly concurrency: Readonly<Record<Priority, number>>;
  readonly lockDurationMs: number;
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
  private inFlight = 0;

  constructor(
    private readonly connection: Redis,
    private readonly processor: ChunkProcessor,
    private readonly options: ConsumerOptions,
  ) {}

  start(): void {
    for (const priority of PRIORITIES) {
      const worker = new Worker<ChunkData, ChunkOutcome>(QUEUE_NAMES[priority], (job) => this.run(priority, job), {
        connection: this.connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency[priority],
        lockDuration: this.options.lockDurationMs,
        stalledInterval: Math.max(1000, Math.floor(this.options.lockDurationMs / 2)),
        maxStalledCount: 3,
      });
      worker.on('error', (e) => this.options.onError?.(e));
      this.workers.push(worker);
    }
  }

  get activeChunks(): number {
    return this.inFlight;
  }

  /** Stops taking chunks and waits for those in flight; true when they all finished in time. */
  async close(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const graceful = Promise.all(this.workers.map((w) => w.close())).then(() => true);
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const finished = await Promise.race([graceful, timeout]);
    clearTimeout(timer);
    if (!finished) await Promise.all(this.workers.map((w) => w.close(true)));
    return finished;
  }

  private async run(priority: Priority, job: Job<ChunkData, ChunkOutcome>): Promise<ChunkOutcome> {
    const started = performance.now();
    this.options.stageTimer?.observe('queue_wait', Math.max(0, Date.now() - job.timestamp), { count: job.data.items.length, labels: { priority }, traceId: job.data.jobId });
    this.inFlight++;
    let outcome: ChunkOutcome | 'error' = 'error';
    try {
      outcome = await this.processor.process(job.data, { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 });
      return outcome;
    } finally {
      this.inFlight--;
      this.options.onChunk?.({ queue: priority, outcome, texts: job.data.items.length, durationMs: performance.now() - started });
    }
  }
}
