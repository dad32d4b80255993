// The cluster test Redis of a vitest run (issue 18): a 3-master Redis Cluster of our own on free
// loopback ports (bench/src/redis-cluster.ts), started by the global setup only when
// REQUIRE_REDIS_CLUSTER=1 asks for it (set by .ci/run), with the test Redis's arguments
// (noeviction, nothing saved), and stopped by the last teardown. Suites that run over it too
// (fleet.int-spec, two-level-cache.int-spec) read `inject('redisClusterNodes')`: '' when none.
import { RedisCluster } from '../../bench/src/redis-cluster';
import { TEST_REDIS_ARGS } from './test-redis';

export class NoTestRedisCluster {
  constructor(readonly problem: string) {}
}

interface Shared {
  cluster: Promise<RedisCluster | NoTestRedisCluster>;
  users: number;
}
const SHARED = Symbol.for('emo.testing.testRedisCluster');

async function startCluster(): Promise<RedisCluster | NoTestRedisCluster> {
  try {
    return await RedisCluster.start({ extraArgs: TEST_REDIS_ARGS });
  } catch (e) {
    return new NoTestRedisCluster(`the test Redis Cluster did not start: ${(e as Error).message}`);
  }
}

/**
 * One cluster per vitest process, shared by the root's and every project's global setup as the test
 * Redis is (test-redis.ts, acquireTestRedis); `wanted` false: none, nothing started.
 */
export async function acquireTestRedisCluster(
  wanted: boolean,
): Promise<{ cluster: RedisCluster | NoTestRedisCluster | undefined; first: boolean; release: () => Promise<void> }> {
  if (!wanted) return { cluster: undefined, first: false, release: async () => undefined };
  const holder = globalThis as { [SHARED]?: Shared };
  const first = holder[SHARED] === undefined;
  const shared = (holder[SHARED] ??= { cluster: startCluster(), users: 0 });
  shared.users++;
  const cluster = await shared.cluster;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    if (--shared.users > 0) return;
    if (holder[SHARED] === shared) delete holder[SHARED];
    if (cluster instanceof RedisCluster) await cluster.close();
  };
  return { cluster, first, release };
}
