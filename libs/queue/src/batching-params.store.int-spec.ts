// The learned batching parameters in Redis, on the one test Redis and on the test Redis Cluster (testing/redis-targets.ts).
import { randomUUID } from 'node:crypto';
import type { LearnedBatchParams } from '@emo/batching';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisBatchParamsStore } from './batching-params.store';
import { createRedis } from './redis-connection';
import { redisTargets } from './testing/redis-targets';

const params: LearnedBatchParams = {
  version: 1,
  coefficients: { a: 1.5, b: 0.002, c: 0.01, d: 1e-6 },
  bulkTokens: 2048,
  oomTokenCap: 4096,
  samples: 200,
  updatedAt: 1,
};

describe.each(redisTargets())(`${RedisBatchParamsStore.name} on $name`, ({ available, endpoint }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let redis: ReturnType<typeof createRedis>;
  let prefix: string;
  let sut: RedisBatchParamsStore;

  beforeAll(() => {
    redis = createRedis(endpoint);
  });
  beforeEach(() => {
    prefix = `test-batching-${randomUUID().slice(0, 8)}`;
    sut = new RedisBatchParamsStore(redis, prefix);
  });
  afterEach(async () => {
    // One key per model + device (no KEYS: on a cluster it would ask one node only).
    await Promise.all(['m@r|cpu|host', 'bad', 'garbage'].map((k) => redis.del(sut.key(k))));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('returns what was saved for the same model + device, and nothing for another', async () => {
    await sut.save('m@r|cpu|host', params);
    expect(await sut.load('m@r|cpu|host')).toEqual(params);
    expect(await sut.load('m@r|cuda|A100')).toBeUndefined();
    expect(await redis.ttl(sut.key('m@r|cpu|host'))).toBeGreaterThan(0);
  });

  it('ignores a value it cannot trust', async () => {
    await redis.set(sut.key('bad'), JSON.stringify({ version: 2, coefficients: { a: -1 } }));
    await redis.set(sut.key('garbage'), '{not json');
    expect(await sut.load('bad')).toBeUndefined();
    expect(await sut.load('garbage')).toBeUndefined();
  });
});
