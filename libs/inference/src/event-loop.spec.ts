// ORT's session.run() blocks the thread that calls it; the engine runs it in worker threads, so
// the main event loop (HTTP handlers, BullMQ lock renewals, timers) keeps turning during a batch.
// No timing: the verdict comes from the order of events.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InferenceEngine } from './inference-engine';
import { engineTestConfig } from './testing/engine-test-config';

const MODEL = resolve(__dirname, '../../../models/goemotions-mini');

describe('event loop during inference', () => {
  it('turns the main event loop while a large batch is inferred (the batch finishes after ten loop turns, not before)', async () => {
    const sut = await InferenceEngine.create(
      engineTestConfig({
        modelDir: MODEL,
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        intraOpThreads: 1,
        inferenceThreads: 1,
        maxSequenceLength: 128,
        batchMaxTokens: 1 << 20,
        batchMaxSize: 4096,
        batchAdaptive: false, // a fixed budget that holds all 192 texts: one batch
        includeScores: false,
        maxTextChars: 100_000,
        longTextPolicy: 'truncate',
      }),
    );
    try {
      // A verdict by order, not by the clock: if session.run() held the main thread, no timer could
      // fire until the batch returned, so ten sequential timer turns would end after it. Off the
      // main thread, ten turns need microseconds of CPU while the batch (192 × 128 tokens) needs
      // hundreds of milliseconds, however loaded the machine is.
      const ids = Int32Array.from({ length: 128 }, (_, i) => 100 + (i % 500));
      const batch = Array.from({ length: 192 }, () => ids);
      let done = false;
      const run = sut.scheduler.submit(batch).then(() => {
        done = true;
      });
      for (let turn = 0; turn < 10; turn++) await new Promise((r) => setTimeout(r, 1));
      expect(done).toBe(false);
      await run;
      expect(done).toBe(true);
      expect(sut.stats.batches).toBe(1);
    } finally {
      await sut.close();
    }
  }, 120_000); // a bound for a loaded machine, not a verdict
});
