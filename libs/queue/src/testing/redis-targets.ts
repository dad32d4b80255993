// Where the queue's integration specs run: the one test Redis, and the test Redis Cluster when the
// global setup started one (REQUIRE_REDIS_CLUSTER=1; `redisClusterNodes` is '' otherwise, and the
// cluster runs are skipped). Each target gives the runtime settings a FleetClient takes and the
// endpoint createRedis takes.
import { inject } from 'vitest';
import { parseClusterNode, type RedisEndpoint } from '@emo/config';

export interface RedisTarget {
  readonly name: string;
  readonly available: boolean;
  readonly runtime: { readonly redisUrl: string; readonly redisClusterNodes?: string[] };
  readonly endpoint: RedisEndpoint;
}

export function redisTargets(): RedisTarget[] {
  const redisUrl = inject('redisUrl');
  const nodes = inject('redisClusterNodes').split(',').filter(Boolean);
  return [
    { name: 'one Redis', available: inject('redisAvailable'), runtime: { redisUrl }, endpoint: { kind: 'single', url: redisUrl } },
    {
      name: 'Redis Cluster',
      available: nodes.length > 0,
      runtime: { redisUrl, redisClusterNodes: nodes },
      endpoint: { kind: 'cluster', nodes: nodes.map(parseClusterNode) },
    },
  ];
}
