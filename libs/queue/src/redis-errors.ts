// Which errors mean "the queue Redis is unavailable" (down, unreachable, hung, loading its data,
// refusing writes) or "out of memory" (a write refused under maxmemory with noeviction). The API
// maps both to 503 QUEUE_UNAVAILABLE with Retry-After; anything else stays what it is.
import { AppError } from '@emo/contracts';

export type RedisFailure = 'unavailable' | 'oom';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const UNAVAILABLE_MESSAGES = [
  /^Stream isn't writeable/, // no connection, offline queue off (fail fast)
  /^Connection is closed/, // ioredis and BullMQ
  /^Command timed out/, // commandTimeout: Redis hung or partitioned
  /max retries per request/i, // MaxRetriesPerRequestError
  /^(LOADING|READONLY|MISCONF|MASTERDOWN|CLUSTERDOWN|TRYAGAIN) /, // restarting, replica, persistence failing
  // A Redis Cluster failing over: ioredis follows MOVED for a single command, but an (auto-)pipeline
  // whose commands of several slots all met the old master gets the MOVED replies back as errors
  // (ioredis retries a pipeline only when every error is the same); a retry reaches the new master.
  /^(MOVED|ASK) \d+ /,
  /^UNBLOCKED /, // a blocking command on a master that became a replica
  // WAIT (REDIS_WAIT_REPLICAS) sent by a slot map that still names the old master, now a replica: a
  // single write before it followed MOVED to the new master (the interactive lane's LPUSH does).
  /^ERR WAIT cannot be used with replica/,
  /^Too many Cluster redirections/,
  // ioredis's auto-pipelining groups queued commands by the node of their slot; when a failover
  // refreshes the slot map before the group is sent, the keys no longer share a node and ioredis
  // rejects the group. Seen in the cluster chaos suite: a retry groups them anew.
  /^All keys in the pipeline should belong to the same slots allocation group/,
  /^Cluster isn't ready/,
  /^Failed to refresh slots cache/,
];

/** 'oom', 'unavailable', or undefined for errors that are not about the Redis connection. */
export function redisFailureOf(error: unknown, depth = 0): RedisFailure | undefined {
  if (!error || typeof error !== 'object' || depth > 3) return undefined;
  const e = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  if (message.startsWith('OOM ')) return 'oom';
  if (e.name === 'MaxRetriesPerRequestError') return 'unavailable';
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return 'unavailable';
  if (UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return 'unavailable';
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const found = redisFailureOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return redisFailureOf(e.cause, depth + 1);
}

/** The error as 503 QUEUE_UNAVAILABLE when Redis is the reason; undefined otherwise. */
export function queueUnavailableError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error.code === 'QUEUE_UNAVAILABLE' ? error : undefined;
  const failure = redisFailureOf(error);
  if (!failure) return undefined;
  return failure === 'oom'
    ? new AppError(
        'QUEUE_UNAVAILABLE',
        'The queue Redis is out of memory (maxmemory, noeviction) and refuses writes; retry later',
        { reason: 'redis_oom' },
        { cause: error },
      )
    : new AppError('QUEUE_UNAVAILABLE', 'The queue Redis is unavailable; retry later', { reason: 'redis_unavailable' }, { cause: error });
}

/** One line describing the error, for the state-change log. */
export function describeRedisError(error: unknown): string {
  if (!error || typeof error !== 'object') return String(error);
  const e = error as { message?: unknown; code?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string' && !e.message.includes(e.code)
    ? `${e.code}: ${e.message}`
    : String(e.message ?? error);
}
