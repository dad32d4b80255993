// The ioredis client of the L2 cache: on CACHE_REDIS_URL (default the queue's REDIS_URL), or a Redis
// Cluster (CACHE_REDIS_CLUSTER_NODES), failing fast while Redis is down (no offline queue) and
// reconnecting forever in the background.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { cacheRedisEndpoint, clusterNodeAuth, describeEndpoint, queueRedisEndpoint, type AppConfig, type RedisEndpoint } from '@emo/config';

/** The cache Redis: one server, or a Redis Cluster (L2ResultStore splits its reads by slot). */
export type CacheRedis = Redis | Cluster;

/** CACHE_REDIS_CLUSTER_NODES, else CACHE_REDIS_URL, else the queue's endpoint. */
export const cacheEndpointOf = (config: Pick<AppConfig, 'runtime'>): RedisEndpoint => cacheRedisEndpoint(config.runtime);

/** Whether L2 is on the queue's Redis (or cluster): the same endpoint, given or by default. */
export const cacheSharesQueueRedis = (config: Pick<AppConfig, 'runtime'>): boolean =>
  describeEndpoint(cacheRedisEndpoint(config.runtime)) === describeEndpoint(queueRedisEndpoint(config.runtime));

/** The servers a per-server reading (SCAN, INFO, CONFIG GET) must visit: every master of a cluster, or the one server. */
export function cacheNodes(redis: CacheRedis): Redis[] {
  return redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
}

/** The cache Redis URL: CACHE_REDIS_URL, else the queue's REDIS_URL. */
export const cacheRedisUrlOf = (config: Pick<AppConfig, 'runtime'>): string => config.runtime.cacheRedisUrl ?? config.runtime.redisUrl;

/**
 * An ioredis client for L2: no offline queue (a down Redis fails fast), reconnects forever with
 * backoff, and auto-pipelining: the MGETs and SETs concurrent requests issue in one event-loop
 * turn go out in one write (one syscall, one Redis read) instead of one each.
 */
export function createCacheRedis(url: string, timeoutMs: number): Redis;
export function createCacheRedis(target: string | RedisEndpoint, timeoutMs: number): CacheRedis;
export function createCacheRedis(target: string | RedisEndpoint, timeoutMs: number): CacheRedis {
  const endpoint: RedisEndpoint = typeof target === 'string' ? { kind: 'single', url: target } : target;
  const node: RedisOptions = {
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(1000, timeoutMs * 10),
    commandTimeout: Math.max(timeoutMs * 4, 200),
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  const redis: CacheRedis =
    endpoint.kind === 'single'
      ? new Redis(endpoint.url, { ...node, lazyConnect: true, enableOfflineQueue: false, enableAutoPipelining: true })
      : new Cluster(
          endpoint.nodes.map((n) => ({ host: n.host, port: n.port })),
          {
            redisOptions: { ...node, ...clusterNodeAuth(endpoint) },
            lazyConnect: true,
            enableOfflineQueue: false,
            enableAutoPipelining: true,
            clusterRetryStrategy: node.retryStrategy,
          },
        );
  redis.on('error', () => undefined); // outages are reported by L2ResultStore, once per interval
  return redis;
}

/** Connects, or gives up waiting after `ms` (false): the client keeps retrying in the background. */
export async function connectWithin(redis: CacheRedis, ms: number): Promise<boolean> {
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
