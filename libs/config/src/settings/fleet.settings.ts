// Fleet settings: API limits, queue chunking and backlog, result retention, worker concurrency
// and locks. Units are in the names.
import { int, num, setting } from '../setting';

export const fleetSettings = {
  apiBodyLimitBytes: setting('API_BODY_LIMIT_BYTES', int(1024, 1_073_741_824).default(16_777_216), 'Largest accepted HTTP request body in bytes (413 PAYLOAD_TOO_LARGE above).'),
  classifyMaxTexts: setting('CLASSIFY_MAX_TEXTS', int(1, 4096).default(64), 'Most texts in one POST /v1/classify request (422 TOO_MANY_TEXTS above).'),
  jobMaxItems: setting('JOB_MAX_ITEMS', int(1, 10_000_000).default(200_000), 'Most items in one POST /v1/jobs request (422 TOO_MANY_TEXTS above).'),
  classifyDeadlineMs: setting('CLASSIFY_DEADLINE_MS', int(10, 600_000).default(5000), 'How long POST /v1/classify waits for the fleet before answering 504 DEADLINE_EXCEEDED (the work still completes).'),
  queueBacklogLimit: setting('QUEUE_BACKLOG_LIMIT', int(1).default(20_000), 'Queued chunks (waiting + prioritized + delayed) of a queue above which new work is refused with 429 OVERLOADED.'),
  queueBacklogTextsInteractive: setting(
    'QUEUE_BACKLOG_TEXTS_INTERACTIVE',
    int(1).default(1000),
    'Most texts queued on the interactive queue (not yet picked up by a worker): a /v1/classify call or interactive job past it is refused with 429 OVERLOADED. The cap while the workers\' pace is not measured yet (see QUEUE_ADMISSION_DEADLINE_SHARE); also bounds queue Redis memory.',
  ),
  queueAdmissionDeadlineShare: setting(
    'QUEUE_ADMISSION_DEADLINE_SHARE',
    num(0, 1).default(0.5),
    'Interactive admission also refuses (429) a call once the texts queued before it would take the workers longer than this share of CLASSIFY_DEADLINE_MS, at the pace measured in seconds their queue stayed busy (so overload says 429 instead of 504 whatever the fleet size). 0: QUEUE_BACKLOG_TEXTS_INTERACTIVE only.',
  ),
  queueBacklogTextsBulk: setting('QUEUE_BACKLOG_TEXTS_BULK', int(1).default(2_000_000), 'Texts queued on the bulk queue (not yet picked up) above which a bulk job is refused with 429 OVERLOADED (bounds queue Redis memory; backfill uploads wait instead, see BACKFILL_MAX_QUEUED_CHUNKS).'),
  overloadRetryAfterSeconds: setting('OVERLOAD_RETRY_AFTER_SECONDS', int(1, 3600).default(5), 'Retry-After sent with 429 OVERLOADED.'),
  unavailableRetryAfterSeconds: setting('UNAVAILABLE_RETRY_AFTER_SECONDS', int(1, 3600).default(5), 'Retry-After sent with 503 QUEUE_UNAVAILABLE (the queue Redis is down, out of memory or does not answer).'),
  redisCommandTimeoutMs: setting('REDIS_COMMAND_TIMEOUT_MS', int(100, 600_000).default(5000), 'The API fails a queue Redis command that gets no answer within this time (503 QUEUE_UNAVAILABLE); with Redis unreachable it fails at once, without waiting for reconnects.'),
  jobChunkSize: setting('JOB_CHUNK_SIZE', int(1, 4096).default(256), 'Texts per queue job (chunk) of a job; the worker re-batches texts across chunks. Bigger chunks spread the per-chunk queue and Redis cost over more texts (see docs/fleet.md, Benchmark).'),
  jobAttempts: setting('JOB_ATTEMPTS', int(1, 100).default(3), 'Attempts per chunk for retryable failures before its texts are reported as failed.'),
  resultTtlSeconds: setting('RESULT_TTL_SECONDS', int(60).default(86_400), 'How long job status and results stay in Redis.'),
  classifyResultTtlSeconds: setting(
    'CLASSIFY_RESULT_TTL_SECONDS',
    int(5, 86_400).default(60),
    'How long the job record and results of a POST /v1/classify call stay in Redis (from the call, and again from when its results land; at least CLASSIFY_DEADLINE_MS + 5 s). A call answered 504 can fetch its results that long; a call whose chunk waits longer is dropped unclassified.',
  ),
  workerConcurrency: setting('WORKER_CONCURRENCY', int(1, 4096).default(64), 'Bulk chunks processed concurrently by one worker process (keep well above what one batch holds).'),
  workerInteractiveConcurrency: setting('WORKER_INTERACTIVE_CONCURRENCY', int(1, 4096).default(32), 'Interactive chunks processed concurrently by one worker process.'),
  workerLockDurationMs: setting('WORKER_LOCK_DURATION_MS', int(1000).default(60_000), 'BullMQ lock of an active chunk; keep >= 2x the p99 batch time (a lapsed lock makes a chunk run again).'),
  workerInferenceThreads: setting('WORKER_INFERENCE_THREADS', int(1, 64).optional(), 'Inference threads of a worker process (default: INFERENCE_THREADS). Lower it on nodes crowded by other processes: the worker main thread also needs CPU for the queue, tokenization and results.'),
  workerShutdownTimeoutMs: setting('WORKER_SHUTDOWN_TIMEOUT_MS', int(0).default(60_000), 'On SIGTERM, how long in-flight chunks may take before the worker exits anyway (their locks lapse and another worker reruns them).'),
  workerChunkTimeoutMs: setting('WORKER_CHUNK_TIMEOUT_MS', int(0).default(300_000), 'An attempt at a chunk that has not finished after this long fails and is retried (JOB_ATTEMPTS); after the last attempt its items get CHUNK_FAILED lines, so every job finishes within a bound (docs/fleet.md). Keep it well above the time a chunk may wait inside a busy worker. 0: no limit.'),
} as const;

