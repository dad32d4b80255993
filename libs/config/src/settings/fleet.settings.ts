// Fleet settings: how jobs are chunked onto the queues, retried and kept. Units are in the names.
import { bool, int, setting } from '../setting';

export const fleetSettings = {
  jobChunkSize: setting(
    'JOB_CHUNK_SIZE',
    int(1, 4096).default(256),
    'Texts per queue job (chunk) of a job; the worker re-batches texts across chunks. Bigger chunks spread the per-chunk queue and Redis cost over more texts (see docs/fleet.md, Benchmark).',
  ),
  jobAttempts: setting(
    'JOB_ATTEMPTS',
    int(1, 100).default(3),
    'Attempts per chunk for retryable failures before its texts are reported as failed.',
  ),
  resultTtlSeconds: setting('RESULT_TTL_SECONDS', int(60).default(86_400), 'How long job status and results stay in Redis.'),
  classifyResultTtlSeconds: setting(
    'CLASSIFY_RESULT_TTL_SECONDS',
    int(5, 86_400).default(60),
    'How long the job record and results of a POST /v1/classify call stay in Redis (from the call, and again from when its results land; at least CLASSIFY_DEADLINE_MS + 5 s). A call answered 504 can fetch its results that long; a call whose chunk waits longer is dropped unclassified.',
  ),
  classifyCoalesceMaxTexts: setting(
    'CLASSIFY_COALESCE_MAX_TEXTS',
    int(0, 4096).default(256),
    "POST /v1/classify calls of one API process that reach the fleet in the same event-loop turn, for the same tenant and flags, share one job of at most this many texts (a call is never split; DEADLINE_EXCEEDED then names the job with the call's `offset` and `count`). 0 or 1: every call is a job of its own.",
  ),
  classifyCoalesceHoldMs: setting(
    'CLASSIFY_COALESCE_HOLD_MS',
    int(0, 1000).default(3),
    'While this API process has CLASSIFY_COALESCE_BUSY_JOBS or more /v1/classify jobs unanswered, a call that would start a new shared job waits this long for the calls behind it (less once the job is full). With fewer unanswered it goes at the end of the event-loop turn: a lone call never waits. 0: never waits.',
  ),
  classifyCoalesceBusyJobs: setting(
    'CLASSIFY_COALESCE_BUSY_JOBS',
    int(1, 1024).default(2),
    'Unanswered /v1/classify jobs of one API process from which a new shared job waits CLASSIFY_COALESCE_HOLD_MS for company.',
  ),
  classifyLaneEnabled: setting(
    'CLASSIFY_LANE_ENABLED',
    bool().default(true),
    "POST /v1/classify calls' chunks go on the interactive lane, a Redis list that workers take from under a lease (ADR 020): one LPUSH to queue, and a waiting worker has the chunk in the same round trip. false: they go on BullMQ's interactive queue like async jobs. Workers drain both either way, so update workers before APIs.",
  ),
  fairShareEnabled: setting(
    'FAIR_SHARE_ENABLED',
    bool().default(true),
    "Bulk work is shared between tenants by weight (ADR 014): where chunks are queued (API), bulk chunks get start-time fair-queueing priorities and carry the tenant's weight, by which workers batch each tenant's texts in turn. false: one first-in-first-out bulk queue, where one tenant's backlog delays every other tenant's bulk work.",
  ),
  queueKeepCompletedChunks: setting(
    'QUEUE_KEEP_COMPLETED_CHUNKS',
    int(0, 100_000).default(0),
    "Completed chunks each queue keeps (the newest, each at most its job's result TTL) so the queue dashboard can list them; they keep their texts in the queue Redis meanwhile. 0: a chunk is removed when it completes.",
  ),
  redisWaitReplicas: setting(
    'REDIS_WAIT_REPLICAS',
    int(0, 5).default(0),
    "Replicas of the queue Redis master that must have a job's record and chunks before the API answers 202, and a chunk's results before its queue job completes (`WAIT`; docs/reliability.md, Redis Cluster failover). Fewer within REDIS_WAIT_TIMEOUT_MS: 503 QUEUE_UNAVAILABLE / the chunk is retried. 0: off (acknowledged writes can be lost when a master fails over). Set 1 on a Redis Cluster with replicas; never more than each master has.",
  ),
  redisWaitTimeoutMs: setting(
    'REDIS_WAIT_TIMEOUT_MS',
    int(10, 60_000).default(1000),
    'How long REDIS_WAIT_REPLICAS waits for the replicas to acknowledge a write.',
  ),
} as const;
