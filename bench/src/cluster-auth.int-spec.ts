// A Redis Cluster that requires a password (`--requirepass` + `--masterauth` on every node, as the
// k8s redis-cluster component runs it): the fleet's connections authenticate to every node with
// REDIS_CLUSTER_PASSWORD, including the nodes they only learn from CLUSTER SLOTS, and BullMQ's own
// duplicated connections do too; without it nothing is read or written. The cache cluster takes
// the same password unless CACHE_REDIS_CLUSTER_PASSWORD names its own.
import { randomUUID } from 'node:crypto';
import { createCacheRedis } from '@emo/cache';
import { cacheRedisEndpoint, loadConfig } from '@emo/config';
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { FleetClient, type ChunkConsumer } from '@emo/queue';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCluster } from './redis-cluster';
import { redisServerInstalled } from './redis-server';

const PASSWORD = `pw-${randomUUID()}`;
const ready = redisServerInstalled();

const echo: Classifier = {
  classify: async (texts: readonly string[]): Promise<ClassifyOutcome[]> =>
    texts.map((t) => ({ labels: [{ label: t.length % 2 ? 'joy' : 'anger', score: 1 }], model: 'echo@1' })),
};

describe.skipIf(!ready)('a Redis Cluster with a password', () => {
  let cluster: RedisCluster;
  let seed: string;

  beforeAll(async () => {
    cluster = await RedisCluster.start({ password: PASSWORD });
    seed = cluster.nodes[0]!;
  }, 60_000);
  afterAll(async () => cluster?.close());

  it('runs a job end to end with REDIS_CLUSTER_PASSWORD (BullMQ, result store, every master)', async () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: seed, REDIS_CLUSTER_PASSWORD: PASSWORD, QUEUE_PREFIX: 'auth-test' });
    const fleet = new FleetClient(config);
    let consumer: ChunkConsumer | undefined;
    try {
      // 300 items in chunks of 64: five chunks, and job records on whichever master their id hashes to.
      const items = Array.from({ length: 300 }, (_, i) => ({ id: String(i), text: `text number ${i}` }));
      const { jobId } = await fleet.producer.submit({ tenant: 't', items, priority: 'bulk' });
      consumer = fleet.startConsumer(echo, { concurrency: { interactive: 1, bulk: 4 }, lockDurationMs: 10_000 });
      for (let i = 0; (await fleet.producer.status(jobId, 't')).state !== 'completed'; i++) {
        if (i > 600) throw new Error('the job did not complete within 60 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await fleet.producer.status(jobId, 't')).toMatchObject({ total: 300, done: 300, succeeded: 300 });
    } finally {
      await consumer?.close(5000);
      await fleet.purge();
      await fleet.close();
    }
  }, 90_000);

  it("reads and writes on every master through the cache connection, with the queue cluster's password", async () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: seed, REDIS_CLUSTER_PASSWORD: PASSWORD, CACHE_REDIS_CLUSTER_NODES: seed });
    const cache = createCacheRedis(cacheRedisEndpoint(config.runtime), 500);
    try {
      await cache.connect();
      // Keys on every master: a key per slot region.
      const keys = Array.from({ length: 64 }, (_, i) => `auth-test:cache:${i}`);
      await Promise.all(keys.map((k) => cache.set(k, k, 'PX', 60_000)));
      expect(await Promise.all(keys.map((k) => cache.get(k)))).toEqual(keys);
      await Promise.all(keys.map((k) => cache.unlink(k)));
    } finally {
      cache.disconnect();
    }
  });

  it('is refused without the password: no command succeeds', async () => {
    const port = Number(seed.split(':')[1]);
    const redis = new Cluster([{ host: '127.0.0.1', port }], { enableOfflineQueue: false, clusterRetryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await expect(redis.set('auth-test:x', '1')).rejects.toThrow();
    } finally {
      redis.disconnect();
    }
  });
});
