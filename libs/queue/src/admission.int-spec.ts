// Admission in texts on the real Redis, with the clock passed in (the scripts use Redis TIME
// otherwise): reservation and release are exact and once per chunk, and with the interactive
// deadline the limit follows the workers' pace measured in seconds their queue stayed busy. On the
// one test Redis and on the test Redis Cluster (where SUBMIT_JOB is split: split-submit.ts).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetClient } from './fleet-client';
import { redisTargets } from './testing/redis-targets';

const chunks = (tag: string, n: number, texts = 1) => Array.from({ length: n }, (_, i) => ({ chunkId: `${tag}.${i}`, texts }));

describe.each(redisTargets())('admission in texts (ResultStore) on $name', ({ available, runtime }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let fleet: FleetClient | undefined;

  async function setup(): Promise<FleetClient> {
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: `test-admission-${randomUUID().slice(0, 8)}` },
      fleet: { jobChunkSize: 8, jobAttempts: 1, resultTtlSeconds: 60 },
      api: { classifyDeadlineMs: 1000 },
    });
    return fleet;
  }

  afterEach(async () => {
    await fleet?.purge();
    await fleet?.close();
    fleet = undefined;
  });

  it('reserves atomically against the limit, counts a chunk once, and releases it once', async () => {
    const { store } = await setup();
    expect(await store.reserveTexts('interactive', chunks('a', 3, 4), 20)).toEqual({ admitted: true, queued: 12, limit: 20 });
    expect(await store.reserveTexts('interactive', chunks('a', 3, 4), 20)).toMatchObject({ admitted: true, queued: 12 }); // the same chunks again: counted once
    expect(await store.reserveTexts('interactive', chunks('b', 3, 4), 20)).toEqual({ admitted: false, queued: 12, limit: 20 });
    expect(await store.reserveTexts('bulk', chunks('b', 3, 4), 20)).toMatchObject({ admitted: true, queued: 12 }); // per priority
    expect(await store.releaseTexts(['a.0', 'a.0', 'nope.1'])).toBe(4);
    expect(await store.releaseTexts(['a.0'])).toBe(0);
    expect(await store.queuedTexts('interactive')).toBe(8);
    // A job bigger than the limit still runs when nothing is queued.
    await store.releaseTexts(['a.1', 'a.2']);
    expect(await store.reserveTexts('interactive', chunks('big', 1, 50), 20)).toMatchObject({ admitted: true, queued: 50 });
  });

  it('submitJob: admits and records in one step; a refusal writes no record; a key naming an earlier job reserves nothing', async () => {
    const { store } = await setup();
    const job = (jobId: string, key?: string) => ({
      jobId,
      tenant: 't1',
      priority: 'interactive' as const,
      total: 4,
      chunkSize: 4,
      idempotencyKey: key,
      payloadDigest: key ? 'd1' : undefined,
    });
    const admission = (tag: string) => ({ chunks: chunks(tag, 1, 4), limit: 6, tenant: { id: 't1', maxQueuedTexts: 0 } });
    const first = await store.submitJob(job('j1', 'k1'), admission('j1'));
    expect(first).toMatchObject({ jobId: 'j1', created: true, reserved: { admitted: true, queued: 4 } });
    expect((await store.requireRecord('j1', 't1')).total).toBe(4);
    // Over the limit: refused, and nothing written (no record, no key, no reservation).
    const refused = await store.submitJob(job('j2', 'k2'), admission('j2'));
    expect(refused.reserved).toMatchObject({ admitted: false, queued: 4, refusedBy: 'queue' });
    expect(await store.record('j2')).toBeUndefined();
    expect(await store.queuedTexts('interactive')).toBe(4);
    // The same key and payload: the earlier job, admitted under its own id; nothing more reserved.
    expect(await store.submitJob(job('j3', 'k1'), admission('j3'))).toMatchObject({
      jobId: 'j1',
      created: false,
      reserved: { admitted: true },
    });
    expect(await store.queuedTexts('interactive')).toBe(4);
    expect(await store.record('j3')).toBeUndefined();
    // The same key, another payload: IDEMPOTENCY_CONFLICT, nothing reserved.
    await expect(store.submitJob({ ...job('j4', 'k1'), payloadDigest: 'other' }, admission('j4'))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
    });
    expect(await store.queuedTexts('interactive')).toBe(4);
  });

  it('lowers the interactive limit to what the workers take within the share of the deadline, from busy seconds only', async () => {
    const { store } = await setup();
    const deadline = { ms: 2000, share: 0.5 }; // 1 s of work may wait
    const at = (s: number) => s * 1000;
    // 100 one-text chunks queued at the end of second 9 (the queue was idle: no measure); in second 10
    // the workers take 40 and the queue never runs empty.
    await store.reserveTexts('interactive', chunks('c', 100), 1000, deadline, at(9) + 900);
    for (let i = 0; i < 40; i++) await store.releaseTexts([`c.${i}`], { pickup: true, nowMs: at(10) + 10 * i });
    expect(await store.drainCapacity('interactive')).toBe(0); // the second is not over yet
    await store.releaseTexts(['c.40'], { pickup: true, nowMs: at(11) });
    expect(await store.drainCapacity('interactive')).toBe(40);
    // 59 queued = 1.5 s of work at 40/s: more than 1 s may not wait, so the limit is 40 texts, not 1000.
    expect(await store.reserveTexts('interactive', chunks('d', 1), 1000, deadline, at(11) + 100)).toEqual({
      admitted: false,
      queued: 59,
      limit: 40,
    });
    expect(await store.reserveTexts('interactive', chunks('d', 1), 1000, undefined, at(11) + 100)).toMatchObject({
      admitted: true,
      queued: 60,
    }); // no deadline: the limit only
    expect(await store.reserveTexts('bulk', chunks('d', 1), 1000, undefined, at(11) + 100)).toMatchObject({ admitted: true });

    // Second 11: the workers empty the queue. An idle second is no measure of their capacity.
    const left = Array.from({ length: 59 }, (_, i) => `c.${41 + i}`);
    await store.releaseTexts([...left, 'd.0'], { pickup: true, nowMs: at(11) + 500 });
    expect(await store.queuedTexts('interactive')).toBe(0);
    await store.reserveTexts('interactive', chunks('e', 1), 1000, deadline, at(12));
    expect(await store.drainCapacity('interactive')).toBe(40);
    // With 1 text queued, 39 more fit in the second of work.
    expect(await store.reserveTexts('interactive', chunks('f', 39), 1000, deadline, at(12) + 1)).toMatchObject({
      admitted: true,
      queued: 40,
    });
    expect(await store.reserveTexts('interactive', chunks('g', 1), 1000, deadline, at(12) + 2)).toMatchObject({
      admitted: false,
      limit: 40,
    });
  });
});
