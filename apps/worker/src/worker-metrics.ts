// Prometheus metrics of one worker process: chunks and texts by queue and outcome, chunk time,
// chunks in flight, plus Node's default process metrics.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChunkEvent } from '@emo/queue';

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly chunks = new Counter({
    name: 'emo_worker_chunks_total',
    help: 'Chunks handled, by queue and outcome',
    labelNames: ['queue', 'outcome'],
    registers: [this.registry],
  });
  private readonly texts = new Counter({
    name: 'emo_worker_texts_total',
    help: 'Texts in handled chunks, by queue and outcome',
    labelNames: ['queue', 'outcome'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'emo_worker_chunk_duration_seconds',
    help: 'Time from taking a chunk to storing its results',
    labelNames: ['queue'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(activeChunks: () => number) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'emo_worker_active_chunks',
      help: 'Chunks in flight in this worker',
      registers: [this.registry],
      collect() {
        this.set(activeChunks());
      },
    });
  }

  record(event: ChunkEvent): void {
    this.chunks.inc({ queue: event.queue, outcome: event.outcome });
    this.texts.inc({ queue: event.queue, outcome: event.outcome }, event.texts);
    this.duration.observe({ queue: event.queue }, event.durationMs / 1000);
  }
}
