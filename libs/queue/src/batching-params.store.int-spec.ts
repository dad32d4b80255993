import { randomUUID } from 'node:crypto';
import type { LearnedBatchParams } from '@emo/batching';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { RedisBatchParamsStore } from './batching-params.store';
import { createRedis } from './redis-connection';

const params: LearnedBatchParams = {
  version: 1,
  coefficients: { a: 1.5, b: 0.002, c: 0.01, d: 1e-6 },
  bulkTokens: 2048,
  oomTokenCap: 4096,
  samples: 200,
  updatedAt: 1,
};

describe.skipIf(!inject('redisAvailable'))(RedisBatchParamsStore.name, () => {
  let redis: ReturnType<typeof createRedis>;
  let prefix: string;
  let sut: RedisBatchParamsStore;

  beforeAll(() => {
    redis = createRedis(inject('redisUrl'));
  });
  beforeEach(() => {
    prefix = `test-batching-${randomUUID().slice(0, 8)}`;
    sut = new RedisBatchParamsStore(redis, prefix);
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
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
