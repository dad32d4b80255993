// ioredis connections for the fleet. BullMQ needs maxRetriesPerRequest: null on the connections
// its workers block on. The API's connections fail fast (`failFast`): no offline queue, so a
// command while Redis is unreachable fails at once instead of waiting on reconnects, commands in
// flight when the connection drops fail at once, and a command without an answer within
// `commandTimeoutMs` fails (a hung Redis). The HTTP layer turns those failures into 503.
// A Redis Cluster endpoint (REDIS_CLUSTER_NODES) gives an ioredis Cluster with the same options, and
// the cluster's AUTH (REDIS_CLUSTER_USERNAME/PASSWORD), per node.
import { AppError } from '@emo/contracts';
import { clusterNodeAuth, type RedisEndpoint } from '@emo/config';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A connection to the queue Redis: one server, or a Redis Cluster (the fleet's keys are laid out per slot, fleet-keys.ts). */
export type RedisClient = Redis | Cluster;

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

export function createRedis(target: string | RedisEndpoint, opts: RedisConnectionOptions = {}): RedisClient {
  const endpoint: RedisEndpoint = typeof target === 'string' ? { kind: 'single', url: target } : target;
  const failFast = opts.failFast && !opts.blocking;
  const options: RedisOptions = {
    maxRetriesPerRequest: opts.blocking ? null : opts.failFast ? 0 : 2,
    enableReadyCheck: true,
    connectionName: opts.name,
    lazyConnect: false,
    ...(opts.autoPipelining ? { enableAutoPipelining: true } : {}),
    ...(failFast ? { enableOfflineQueue: false, commandTimeout: opts.commandTimeoutMs } : {}),
  };
  if (endpoint.kind === 'single') return new Redis(endpoint.url, options);
  const { enableAutoPipelining, enableOfflineQueue, ...perNode } = options;
  return new Cluster(
    endpoint.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      redisOptions: { ...perNode, ...clusterNodeAuth(endpoint) },
      enableReadyCheck: true,
      lazyConnect: false,
      ...(enableAutoPipelining ? { enableAutoPipelining } : {}),
      ...(enableOfflineQueue === false ? { enableOfflineQueue } : {}),
    },
  );
}

/** Whether `redis` is a Redis Cluster connection. */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/** The masters of a cluster connection, or the one server: what a key scan must visit. */
export function scanTargets(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/** Resolves when `redis` is ready (connected, ready check done); QUEUE_UNAVAILABLE after `timeoutMs`. */
export async function whenReady(redis: RedisClient, timeoutMs: number): Promise<void> {
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
