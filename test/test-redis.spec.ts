// The test Redis the global setup provides (tools/testing/test-redis.ts, issue 17): never the
// machine's shared Redis on 6379 unless the operator named it with TEST_REDIS_URL (the setup
// refuses it too; this checks what reached the specs), and, when it is ours (testcontainers or
// our own redis-server), configured as BullMQ needs it and persisting nothing.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCacheRedis } from '@emo/cache';

describe.skipIf(!inject('redisAvailable'))('the test Redis', () => {
  const url = inject('redisUrl');
  const source = inject('redisSource');
  const redis = createCacheRedis(url, 2000);
  beforeAll(() => redis.connect());
  afterAll(() => redis.disconnect());

  it('came from TEST_REDIS_URL, testcontainers or our own redis-server, and is not on port 6379 unless TEST_REDIS_URL says so', () => {
    expect(['TEST_REDIS_URL', 'testcontainers', 'redis-server']).toContain(source);
    if (source !== 'TEST_REDIS_URL') expect(Number(new URL(url).port || 6379), url).not.toBe(6379);
  });

  it.runIf(source !== 'TEST_REDIS_URL')('runs maxmemory-policy noeviction (BullMQ) and persists nothing', async () => {
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await redis.config('GET', 'save')).toEqual(['save', '']);
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
  });
});
