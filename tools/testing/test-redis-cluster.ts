// The cluster test Redis of a vitest run (issue 18): a 3-master Redis Cluster of our own on free
// loopback ports (bench/src/redis-cluster.ts), started by the global setup only when
// REQUIRE_REDIS_CLUSTER=1 asks for it (set by .ci/run), with the test Redis's arguments
// (noeviction, nothing saved), and stopped by the last teardown. Suites that run over it too
// (fleet.int-spec, two-level-cache.int-spec) read `inject('redisClusterNodes')`: '' when none.
import { RedisCluster } from '../../bench/src/redis-cluster';
import { acquireShared } from './shared-resource';
import { TEST_REDIS_ARGS } from './test-redis';

export class NoTestRedisCluster {
  constructor(readonly problem: string) {}
}

async function startCluster(): Promise<RedisCluster | NoTestRedisCluster> {
  try {
    return await RedisCluster.start({ extraArgs: TEST_REDIS_ARGS });
  } catch (e) {
    return new NoTestRedisCluster(`the test Redis Cluster did not start: ${(e as Error).message}`);
  }
}

/**
 * One cluster per vitest process, shared by the root's and every project's global setup as the test
 * Redis is (shared-resource.ts); `wanted` false: none, nothing started.
 */
export async function acquireTestRedisCluster(
  wanted: boolean,
): Promise<{ cluster: RedisCluster | NoTestRedisCluster | undefined; first: boolean; release: () => Promise<void> }> {
  if (!wanted) return { cluster: undefined, first: false, release: async () => undefined };
  const {
    value: cluster,
    first,
    release,
  } = await acquireShared(Symbol.for('emo.testing.testRedisCluster'), startCluster, async (started) => {
    if (started instanceof RedisCluster) await started.close();
  });
  return { cluster, first, release };
}
