// flush() as a closing worker uses it: it waits for a save still in flight (fired by the batcher
// without waiting), so the connection closes after the save, not under it. No Redis: a fake whose
// SET answers when the test says so.
import type { LearnedBatchParams } from '@emo/batching';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisBatchParamsStore } from './batching-params.store';

const params: LearnedBatchParams = {
  version: 1,
  coefficients: { a: 1.5, b: 0.002, c: 0.01, d: 1e-6 },
  bulkTokens: 2048,
  oomTokenCap: 4096,
  samples: 200,
  updatedAt: 1,
};

/** A Redis whose SETs wait until answer() (or fail()) is called. */
function slowRedis() {
  const waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const redis = {
    set: () => new Promise<'OK'>((resolve, reject) => waiting.push({ resolve: () => resolve('OK'), reject })),
  } as unknown as Redis;
  return { redis, answer: () => waiting.shift()?.resolve(), fail: (e: Error) => waiting.shift()?.reject(e), waiting };
}

const turn = () => new Promise((r) => setImmediate(r));

describe(RedisBatchParamsStore.name, () => {
  it('flush waits for a save in flight and returns once Redis answered it', async () => {
    const fake = slowRedis();
    const sut = new RedisBatchParamsStore(fake.redis, 'p');
    const saved = sut.save('m|cpu|host', params);
    let flushed = false;
    const flushing = sut.flush(60_000).then(() => (flushed = true));
    await turn();
    await turn();
    expect(flushed).toBe(false);
    fake.answer();
    await flushing;
    await saved;
    expect(flushed).toBe(true);
  });

  it('flush returns at once with nothing in flight, and after a save that failed (its caller reports it)', async () => {
    const fake = slowRedis();
    const sut = new RedisBatchParamsStore(fake.redis, 'p');
    await sut.flush(60_000);
    const saved = sut.save('m|cpu|host', params).catch((e: Error) => e.message);
    const flushing = sut.flush(60_000);
    fake.fail(new Error('Connection is closed'));
    await flushing;
    expect(await saved).toBe('Connection is closed');
    expect(fake.waiting).toHaveLength(0);
  });

  it('flush gives up after its timeout on a Redis that never answers', async () => {
    const fake = slowRedis();
    const sut = new RedisBatchParamsStore(fake.redis, 'p');
    void sut.save('m|cpu|host', params);
    await sut.flush(1);
    expect(fake.waiting).toHaveLength(1);
  });
});
