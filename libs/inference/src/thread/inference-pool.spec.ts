// Spec of the pool's batches queued behind a running one (ADR 022), on real threads and the tiny
// test model: answers come back to the batch they belong to, and a queued batch that has not
// started comes back unrun when its caller takes it back.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { padBatch, type PaddedBatch } from '../batching/padded-batch';
import { startServedModel } from '../served-model';
import { engineTestConfig } from '../testing/engine-test-config';
import { InferencePool } from './inference-pool';

const TINY = resolve(__dirname, '../../../../test/fixtures/models/tiny-softmax');
const CRASHING = resolve(__dirname, '../../../../test/fixtures/threads/crashing-inference.worker.cjs');

/** `rows` rows of `seq` tokens, ids drawn from the tiny model's vocabulary by a seeded walk. */
function batch(rows: number, seq: number, seed: number): PaddedBatch {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) % 40;
  return padBatch(
    Array.from({ length: rows }, () => Int32Array.from({ length: seq }, () => 2 + next())),
    0,
  );
}

describe('InferencePool.runQueued', () => {
  let pool: InferencePool;
  beforeAll(async () => {
    ({ pool } = await startServedModel(engineTestConfig({ modelDir: TINY, inferenceThreads: 1 })));
  });
  afterAll(async () => pool.close());

  it('runs a batch queued behind a running one after it, each answered with its own logits', async () => {
    const a = batch(64, 32, 1);
    const b = batch(3, 5, 2);
    const alone = [await pool.run(a), await pool.run(b)];
    const [first, second] = await Promise.all([pool.run(a), pool.runQueued(b, new AbortController().signal)]);
    expect(first.logits).toEqual(alone[0].logits);
    expect(second?.logits).toEqual(alone[1].logits);
    expect(pool.outstanding).toBe(0);
  });

  it('gives a queued batch back unrun when it is taken back before it starts', async () => {
    const running = pool.run(batch(2048, 32, 3)); // long enough that the take-back reaches the thread first
    const retract = new AbortController();
    const queued = pool.runQueued(batch(3, 5, 4), retract.signal);
    retract.abort();
    expect(await queued).toBeUndefined();
    expect((await running).logits).toHaveLength(2048 * 3);
    expect(pool.outstanding).toBe(0);
  });

  it('gives back unrun a batch that waits for a thread in the pool', async () => {
    const running = pool.run(batch(256, 32, 5));
    const behind = pool.runQueued(batch(2, 4, 6), new AbortController().signal);
    const retract = new AbortController();
    const waiting = pool.runQueued(batch(2, 4, 7), retract.signal); // the thread holds two: this one waits in the pool
    retract.abort();
    expect(await waiting).toBeUndefined();
    expect(await behind).toBeDefined();
    await running;
  });

  it('fails the batch a crashed thread was running, gives the one queued behind it back unrun, and starts a new thread', async () => {
    const warnings: string[] = [];
    const crashing = await InferencePool.start({
      threads: 1,
      expectedLabels: 1,
      workerScript: CRASHING,
      session: { modelPath: 'unused', modelSha256: 'unused', providers: ['cpu'], graphOptimizationLevel: 'all', intraOpThreads: 1 },
      onWarning: (m) => warnings.push(m),
    });
    try {
      const running = crashing.run(batch(13, 4, 8)); // the stand-in thread exits on 13 rows
      const behind = crashing.runQueued(batch(2, 4, 9), new AbortController().signal);
      await expect(running).rejects.toMatchObject({ code: 'INFERENCE_FAILED' });
      expect(await behind).toBeUndefined();
      await expect.poll(() => crashing.threads).toBe(1);
      expect((await crashing.run(batch(2, 4, 10))).logits).toHaveLength(2);
      expect(warnings.join('\n')).toMatch(/inference thread crashed/);
    } finally {
      await crashing.close();
    }
  });
});

describe('InferencePool, a lone batch run inline (INFERENCE_INLINE_MAX_TEXTS)', () => {
  let inline: InferencePool;
  let threadsOnly: InferencePool;
  beforeAll(async () => {
    ({ pool: inline } = await startServedModel(engineTestConfig({ modelDir: TINY, inferenceThreads: 1, inferenceInlineMaxTexts: 1 })));
    ({ pool: threadsOnly } = await startServedModel(engineTestConfig({ modelDir: TINY, inferenceThreads: 1, inferenceInlineMaxTexts: 0 })));
  });
  afterAll(async () => Promise.all([inline.close(), threadsOnly.close()]));

  it('runs a one-text batch on the calling thread when every thread is idle, with the logits a thread gives', async () => {
    const one = batch(1, 7, 11);
    const before = inline.inlineRuns;
    const got = await inline.run(one);
    expect(inline.inlineRuns).toBe(before + 1);
    expect(got.logits).toEqual((await threadsOnly.run(one)).logits);
    expect(threadsOnly.inlineRuns).toBe(0);
    expect(inline.outstanding).toBe(0);
  });

  it('runs it on intra-op threads of its own (INFERENCE_INLINE_INTRA_OP_THREADS), with the logits a thread gives', async () => {
    const { pool: wide } = await startServedModel(
      engineTestConfig({ modelDir: TINY, inferenceThreads: 1, inferenceInlineMaxTexts: 1, inferenceInlineIntraOpThreads: 2 }),
    );
    try {
      const one = batch(1, 9, 21);
      const got = await wide.run(one);
      expect(wide.inlineRuns).toBe(1);
      const want = (await threadsOnly.run(one)).logits;
      expect(got.logits).toHaveLength(want.length);
      // Split over two threads a sum may add up in another order: equal up to float32 rounding
      // (relative 1e-4 is far above that and far below any wrong computation).
      got.logits.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[i]))));
    } finally {
      await wide.close();
    }
  });

  it('under auto, keeps one of one thread and the thread budget for it, and answers with the logits a thread gives', async () => {
    const { pool: auto } = await startServedModel(
      engineTestConfig({ modelDir: TINY, inferenceThreads: 2, inferenceInlineMaxTexts: 1, inferenceInlineIntraOpThreads: 0 }),
    );
    try {
      // Which one wins is this machine's timing; that it is one of the two, and answers right, is not.
      expect([1, 2]).toContain(auto.inlineIntraOpThreads);
      const one = batch(1, 9, 31);
      const got = await auto.run(one);
      expect(auto.inlineRuns).toBe(1);
      const want = (await threadsOnly.run(one)).logits;
      got.logits.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[i]))));
    } finally {
      await auto.close();
    }
    expect(threadsOnly.inlineIntraOpThreads).toBeUndefined();
  });

  it('sends a batch of more texts, or one that finds a thread busy, to a thread', async () => {
    const before = inline.inlineRuns;
    await inline.run(batch(2, 7, 12));
    const running = inline.run(batch(512, 32, 13));
    const lone = inline.runQueued(batch(1, 7, 14), new AbortController().signal);
    await Promise.all([running, lone]);
    expect(inline.inlineRuns).toBe(before);
  });
});
