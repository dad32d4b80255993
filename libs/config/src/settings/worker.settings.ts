// Worker settings: concurrency, locks, inference threads, shutdown, chunk time limit, metrics port.
import { int, setting } from '../setting';

export const workerSettings = {
  workerConcurrency: setting(
    'WORKER_CONCURRENCY',
    int(1, 4096).default(64),
    'Bulk chunks processed concurrently by one worker process (keep well above what one batch holds).',
  ),
  workerInteractiveConcurrency: setting(
    'WORKER_INTERACTIVE_CONCURRENCY',
    int(1, 4096).default(32),
    'Interactive chunks processed concurrently by one worker process.',
  ),
  workerLockDurationMs: setting(
    'WORKER_LOCK_DURATION_MS',
    int(1000).default(60_000),
    'BullMQ lock of an active chunk; keep >= 2x the p99 batch time (a lapsed lock makes a chunk run again).',
  ),
  workerInferenceThreads: setting(
    'WORKER_INFERENCE_THREADS',
    int(1, 64).optional(),
    'Inference threads of a worker process (default: INFERENCE_THREADS). Lower it on nodes crowded by other processes: the worker main thread also needs CPU for the queue, tokenization and results.',
  ),
  workerShutdownTimeoutMs: setting(
    'WORKER_SHUTDOWN_TIMEOUT_MS',
    int(0).default(60_000),
    'On SIGTERM, how long in-flight chunks may take before the worker exits anyway (their locks lapse and another worker reruns them).',
  ),
  workerChunkTimeoutMs: setting(
    'WORKER_CHUNK_TIMEOUT_MS',
    int(0).default(300_000),
    'An attempt at a chunk that has not finished after this long fails and is retried (JOB_ATTEMPTS); after the last attempt its items get CHUNK_FAILED lines, so every job finishes within a bound (docs/fleet.md). Keep it well above the time a chunk may wait inside a busy worker. 0: no limit.',
  ),
  metricsPort: setting('METRICS_PORT', int(0, 65535).default(9464), 'Worker /metrics and /healthz port.'),
} as const;
