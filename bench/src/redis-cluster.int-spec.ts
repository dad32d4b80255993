// The Redis Cluster launcher with replicas (redis-cluster.ts), as the failover suite drives it: a
// manual failover promotes the replica without losing an acknowledged write, a SIGKILLed master is
// replaced by its replica, and the killed node comes back as a replica of the new master. Runs where
// the global setup started the cluster test Redis (REQUIRE_REDIS_CLUSTER=1: redis-server and
// redis-cli are there, and a missing one failed the run).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisCommand } from './redis-command';
import { RedisCluster } from './redis-cluster';

describe.skipIf(!inject('redisClusterNodes'))(`${RedisCluster.name} with replicas`, () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await RedisCluster.start({ replicas: 1, nodeTimeoutMs: 2000 });
  }, 60_000);
  afterAll(() => cluster?.close());

  it('starts 3 masters and 3 replicas, fails over by command and by crash, and takes the killed node back as a replica', async () => {
    expect(cluster.servers).toHaveLength(6);
    const masters = (await cluster.view()).filter((n) => n.flags.includes('master'));
    expect(masters).toHaveLength(3);

    const first = await cluster.masterOf('{k}');
    await redisCommand(first.url, ['SET', '{k}', 'one'], 2000);
    const [replica] = await cluster.replicasOf(first);
    await cluster.failover(replica);
    expect((await cluster.masterOf('{k}')).port).toBe(replica.port);
    expect(await redisCommand(replica.url, ['GET', '{k}'], 2000)).toBe('one');

    const promoted = await cluster.killMaster(replica);
    expect(promoted.port).toBe(first.port);
    expect((await cluster.masterOf('{k}')).port).toBe(first.port);
    expect(await redisCommand(first.url, ['GET', '{k}'], 2000)).toBe('one');

    await cluster.rejoin(replica);
    expect((await cluster.replicasOf(first)).map((s) => s.port)).toEqual([replica.port]);
  }, 90_000);
});
