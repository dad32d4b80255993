// ORT's session.run() blocks the thread that calls it; the engine runs it in worker threads, so
// the main event loop (HTTP handlers, BullMQ lock renewals, timers) keeps turning during a batch.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InferenceEngine } from './inference-engine';

const MODEL = resolve(__dirname, '../../../models/goemotions-mini');

describe('event loop during inference', () => {
  it('keeps a 5 ms timer firing (gap < 50 ms) while a large batch is inferred', async () => {
    const sut = await InferenceEngine.create({
      modelDir: MODEL,
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpThreads: 1,
      inferenceThreads: 1,
      maxSequenceLength: 128,
      batchMaxTokens: 1 << 20,
      batchMaxSize: 4096,
      includeScores: false,
      maxTextChars: 100_000,
      longTextPolicy: 'truncate',
    });
    try {
      const ids = Int32Array.from({ length: 128 }, (_, i) => 100 + (i % 500));
      const batch = Array.from({ length: 192 }, () => ids);
      let last = performance.now();
      let worstGap = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
      }, 5);
      const started = performance.now();
      await sut.runPlan(batch, [batch.map((_, i) => i)]); // one batch of 192 x 128 tokens
      const inferMs = performance.now() - started;
      clearInterval(timer);
      // The batch must take long enough that a blocked loop would have shown a gap.
      expect(inferMs).toBeGreaterThan(200);
      expect(worstGap).toBeLessThan(50);
    } finally {
      await sut.close();
    }
  });
});
