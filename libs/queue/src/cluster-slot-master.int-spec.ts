// masterOfSlot on the test Redis Cluster (skipped without one): the connection it names for a key is
// the master that serves the key's slot, so a plain GET there answers (any other master would reply
// MOVED), and keys sharing a hash tag get the same master; REDIS_WAIT_REPLICAS's WAIT reaches the
// key's master through it (the test cluster has no replicas, so 0 of 1 acknowledge).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterOfSlot } from './cluster-slot-master';
import { awaitReplicas } from './replication-wait';
import { createRedis, isCluster, whenReady, type RedisClient } from './redis-connection';
import { redisTargets } from './testing/redis-targets';

const target = redisTargets().find((t) => t.endpoint.kind === 'cluster')!;

describe.skipIf(!target.available)('masterOfSlot on the test Redis Cluster', () => {
  const prefix = `test-slot-master-${randomUUID().slice(0, 8)}`;
  const keys = Array.from({ length: 24 }, (_, i) => `${prefix}:${i}`);
  let redis: RedisClient;
  beforeAll(async () => {
    redis = createRedis(target.endpoint);
    await whenReady(redis, 10_000);
    await Promise.all(keys.map((key) => redis.set(key, key, 'PX', 60_000)));
  });
  afterAll(async () => {
    await Promise.all(keys.map((key) => redis.del(key)));
    await redis.quit();
  });

  it('names the master that serves each key (a direct GET there answers)', async () => {
    if (!isCluster(redis)) throw new Error('expected a cluster connection');
    const cluster = redis;
    const owners = keys.map((key) => masterOfSlot(cluster, key));
    expect(owners.every((node) => node !== undefined)).toBe(true);
    expect(new Set(owners).size).toBeGreaterThan(1); // 24 keys do not all hash to one of 3 masters
    for (const [i, key] of keys.entries()) expect(await owners[i]!.get(key)).toBe(key);
  });

  it('gives keys that share a hash tag the same master', () => {
    if (!isCluster(redis)) throw new Error('expected a cluster connection');
    expect(masterOfSlot(redis, `{${prefix}}:a`)).toBe(masterOfSlot(redis, `{${prefix}}:b`));
    expect(masterOfSlot(redis, `{${prefix}}:a`)).toBe(masterOfSlot(redis, prefix));
  });

  it('sends the WAIT of a replicated write to the master of its key (0 of 1 replicas on the replica-less test cluster)', async () => {
    await expect(awaitReplicas(redis, keys[0], { replicas: 1, timeoutMs: 50 })).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
      message: expect.stringContaining('0 of 1 Redis replicas acknowledged') as unknown,
    });
  });
});
