// Where the API's integration specs run: the one test Redis, and the test Redis Cluster when the
// global setup started one (REQUIRE_REDIS_CLUSTER=1; `redisClusterNodes` is '' otherwise and the
// cluster runs are skipped). As libs/queue's testing/redis-targets.ts, with the settings an API app
// takes as env (`env`, for useApiTestHarness) besides those a FleetClient takes (`runtime`).
import { parseClusterNode, type RedisEndpoint } from '@emo/config';
import { inject } from 'vitest';

export interface ApiRedisTarget {
  readonly name: string;
  readonly available: boolean;
  /** Env for loadConfig / useApiTestHarness: empty for one Redis (REDIS_URL is the harness's), REDIS_CLUSTER_NODES for the cluster. */
  readonly env: Readonly<Record<string, string>>;
  readonly runtime: { readonly redisUrl: string; readonly redisClusterNodes?: string[] };
  /** The endpoint itself (what createCacheRedis takes: the cache follows the queue's endpoint by default). */
  readonly endpoint: RedisEndpoint;
}

export function apiRedisTargets(): ApiRedisTarget[] {
  const redisUrl = inject('redisUrl');
  const nodes = inject('redisClusterNodes');
  return [
    { name: 'one Redis', available: inject('redisAvailable'), env: {}, runtime: { redisUrl }, endpoint: { kind: 'single', url: redisUrl } },
    {
      name: 'Redis Cluster',
      available: nodes !== '',
      env: { REDIS_CLUSTER_NODES: nodes },
      runtime: { redisUrl, redisClusterNodes: nodes.split(',') },
      endpoint: { kind: 'cluster', nodes: nodes.split(',').filter(Boolean).map(parseClusterNode) },
    },
  ];
}

interface KeysReader {
  keys(pattern: string): Promise<string[]>;
}

/** KEYS on every master of a cluster (ioredis sends a keyless command to one node), or on the one Redis. */
export async function keysOnEveryMaster(
  redis: KeysReader & { nodes?: (role: 'master') => KeysReader[] },
  pattern: string,
): Promise<string[]> {
  const nodes = typeof redis.nodes === 'function' ? redis.nodes('master') : [redis];
  return (await Promise.all(nodes.map((n) => n.keys(pattern)))).flat();
}
