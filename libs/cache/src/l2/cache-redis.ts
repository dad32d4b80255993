// The ioredis client of the L2 cache: on CACHE_REDIS_URL (default the queue's REDIS_URL), failing
// fast while Redis is down (no offline queue) and reconnecting forever in the background.
import { Redis } from 'ioredis';
import type { AppConfig } from '@emo/config';

/** The cache Redis URL: CACHE_REDIS_URL, else the queue's REDIS_URL. */
export const cacheRedisUrlOf = (config: Pick<AppConfig, 'runtime'>): string => config.runtime.cacheRedisUrl ?? config.runtime.redisUrl;

/**
 * An ioredis client for L2: no offline queue (a down Redis fails fast), reconnects forever with
 * backoff, and auto-pipelining: the MGETs and SETs concurrent requests issue in one event-loop
 * turn go out in one write (one syscall, one Redis read) instead of one each.
 */
export function createCacheRedis(url: string, timeoutMs: number): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(1000, timeoutMs * 10),
    commandTimeout: Math.max(timeoutMs * 4, 200),
    retryStrategy: (times) => Math.min(100 * times, 2000),
    enableAutoPipelining: true,
  });
  redis.on('error', () => undefined); // outages are reported by L2ResultStore, once per interval
  return redis;
}

/** Connects, or gives up waiting after `ms` (false): the client keeps retrying in the background. */
export async function connectWithin(redis: Redis, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  const connect = redis.connect().then(
    () => true,
    () => false,
  );
  return Promise.race([connect, timeout]).finally(() => clearTimeout(timer));
}
