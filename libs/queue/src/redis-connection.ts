// ioredis connections for the fleet. BullMQ needs maxRetriesPerRequest: null on the connections
// its workers block on. The API's connections fail fast (`failFast`): no offline queue, so a
// command while Redis is unreachable fails at once instead of waiting on reconnects, commands in
// flight when the connection drops fail at once, and a command without an answer within
// `commandTimeoutMs` fails (a hung Redis). The HTTP layer turns those failures into 503.
import { AppError } from '@emo/contracts';
import { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  readonly blocking?: boolean;
  readonly name?: string;
  readonly failFast?: boolean;
  readonly commandTimeoutMs?: number;
  /**
   * ioredis auto-pipelining: commands issued in one event-loop turn share one write. Only for our own
   * connections (the result store): BullMQ's are left as BullMQ expects them.
   */
  readonly autoPipelining?: boolean;
}

export function createRedis(url: string, opts: RedisConnectionOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: opts.blocking ? null : opts.failFast ? 0 : 2,
    enableReadyCheck: true,
    connectionName: opts.name,
    lazyConnect: false,
    ...(opts.autoPipelining ? { enableAutoPipelining: true } : {}),
    ...(opts.failFast && !opts.blocking ? { enableOfflineQueue: false, commandTimeout: opts.commandTimeoutMs } : {}),
  });
}

/** Resolves when `redis` is ready (connected, ready check done); QUEUE_UNAVAILABLE after `timeoutMs`. */
export async function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'end') throw new AppError('QUEUE_UNAVAILABLE', 'The queue Redis connection is closed');
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      redis.once('ready', onReady);
      timer = setTimeout(
        () => reject(new AppError('QUEUE_UNAVAILABLE', `The queue Redis did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      if (redis.status === 'wait') redis.connect().catch(() => undefined); // failures: the timeout says it
    });
  } finally {
    clearTimeout(timer);
    if (onReady) redis.off('ready', onReady);
  }
}
