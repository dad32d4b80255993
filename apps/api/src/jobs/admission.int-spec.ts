// issue 14 (4): admission in texts for both priorities, on the real Redis. A /v1/classify call was
// one chunk whatever its size, so the chunk limit never refused calls and overload ended in 504s;
// and every call left its record and results for RESULT_TTL_SECONDS (24 h) in a noeviction Redis.
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets, keysOnEveryMaster } from '../testing/redis-targets';

const texts = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} text ${i}`);

const fake: Classifier = {
  async classify(input: readonly string[]): Promise<ClassifyOutcome[]> {
    return input.map(() => ({ labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' }));
  },
};

describe.each(apiRedisTargets())('admission in texts, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('admit', { ...env, OVERLOAD_RETRY_AFTER_SECONDS: '3' });
  const start = (env: Record<string, string>) => h.start(env);
  const request = h.request;
  const classify = (t: string[]) => request({ method: 'POST', url: '/v1/classify', payload: { texts: t }, headers: auth });
  const submit = (n: number, tag: string) =>
    request({ method: 'POST', url: '/v1/jobs', payload: { items: texts(n, tag).map((text) => ({ text })) }, headers: auth });
  const backlog = async (priority: 'interactive' | 'bulk') => (await h.api.fleet.queues.counts(priority)).backlog;
  const jobKeys = () => keysOnEveryMaster(h.api.fleet.redis, `${h.prefix}:fleet:job:*`);

  it('refuses /v1/classify with 429 once the texts queued would pass the limit, and admits again as workers take them', async () => {
    await start({ QUEUE_BACKLOG_TEXTS_INTERACTIVE: '10', CLASSIFY_DEADLINE_MS: '4000', CLASSIFY_RESULT_TTL_SECONDS: '30' });
    const first = classify(texts(8, 'a')); // no worker yet: its 8 texts stay queued
    await expect.poll(() => backlog('interactive'), { timeout: 3000, interval: 10 }).toBe(1);

    const refused = await classify(texts(8, 'b')); // 8 + 8 > 10: refused at once, not a 504 at the deadline
    expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'OVERLOADED']);
    expect(refused.headers['retry-after']).toBe('3');
    expect(refused.json().error.details).toMatchObject({ queued_texts: 8, limit_texts: 10 });
    const second = classify(texts(2, 'c')); // 8 + 2 = 10: admitted
    await expect.poll(() => backlog('interactive'), { timeout: 3000, interval: 10 }).toBe(2);
    expect((await request({ method: 'GET', url: '/metrics' })).body).toMatch(/^emo_queue_backlog_texts\{queue="interactive"\} 10$/m);

    h.startConsumer(fake, { interactive: 4, bulk: 1 });
    expect((await first).statusCode).toBe(200);
    expect((await second).statusCode).toBe(200);
    // Picked-up chunks no longer count: 8 texts fit again.
    const third = await classify(texts(8, 'd'));
    expect(third.statusCode).toBe(200);
    expect(await jobKeys()).toHaveLength(2 * 3); // meta + results of the three admitted calls; the refused one left nothing
  });

  it('keeps the record and results of a /v1/classify call CLASSIFY_RESULT_TTL_SECONDS, not RESULT_TTL_SECONDS', async () => {
    await start({ CLASSIFY_RESULT_TTL_SECONDS: '30', RESULT_TTL_SECONDS: '86400' });
    h.startConsumer(fake, { interactive: 4, bulk: 1 });
    for (const tag of ['a', 'b', 'c']) expect((await classify(texts(2, tag))).statusCode).toBe(200);
    const keys = await jobKeys();
    expect(keys).toHaveLength(2 * 3); // meta + results per call, nothing else per call
    for (const key of keys) {
      const ttl = await h.api.fleet.redis.ttl(key);
      expect([key, ttl > 0 && ttl <= 30]).toEqual([key, true]);
    }
    // A job through /v1/jobs keeps RESULT_TTL_SECONDS.
    const job = (await submit(2, 'j')).json();
    expect(await h.api.fleet.redis.ttl(h.api.fleet.keys.meta(job.job_id))).toBeGreaterThan(30);
  });

  it('refuses bulk jobs past the bulk limit in texts, and cancelling releases what was queued', async () => {
    await start({ QUEUE_BACKLOG_TEXTS_BULK: '20', JOB_CHUNK_SIZE: '4' });
    const a = await submit(16, 'a');
    expect(a.statusCode).toBe(202);
    const refused = await submit(16, 'b');
    expect([refused.statusCode, refused.json().error.code, refused.headers['retry-after']]).toEqual([429, 'OVERLOADED', '3']);
    expect((await submit(4, 'c')).statusCode).toBe(202);
    expect((await request({ method: 'GET', url: '/metrics' })).body).toMatch(/^emo_queue_backlog_texts\{queue="bulk"\} 20$/m);
    const cancelled = await request({ method: 'DELETE', url: `/v1/jobs/${a.json().job_id}`, headers: auth });
    expect(cancelled.json()).toMatchObject({ state: 'cancelled', cancelled: 16 });
    expect((await submit(16, 'd')).statusCode).toBe(202);
  });

  it('forgets texts reserved for chunks that never reached the queue once the queue is empty', async () => {
    await start({ QUEUE_BACKLOG_TEXTS_INTERACTIVE: '10' });
    // An API process died between reserving and queueing: 50 texts counted, nothing queued.
    await h.api.fleet.store.reserveTexts('interactive', [{ chunkId: 'gone.0', texts: 50 }], 10);
    expect(await h.api.fleet.store.queuedTexts('interactive')).toBe(50);
    h.startConsumer(fake, { interactive: 2, bulk: 1 });
    expect((await classify(texts(3, 'x'))).statusCode).toBe(200);
    expect(await h.api.fleet.store.queuedTexts('interactive')).toBe(0);
  });
});
