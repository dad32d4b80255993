// The engine on the shared scheduler, with the tiny test model in real inference threads.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isItemError, type ClassifyOutcome } from '@emo/contracts';
import { InferenceEngine } from '../inference-engine';
import { engineTestConfig } from '../testing/engine-test-config';

const modelDir = resolve(import.meta.dirname, '../../../../test/fixtures/models/tiny-softmax');
const config = engineTestConfig({
  modelDir,
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'basic',
  intraOpThreads: 1,
  inferenceThreads: 2,
  maxSequenceLength: 32,
  batchMaxTokens: 256,
  batchMaxSize: 16,
  includeScores: true,
  maxTextChars: 1000,
  longTextPolicy: 'truncate',
  // fixed budget: the batch count below must not depend on what the controller learns
  batchAdaptive: false,
});
const words = ['good', 'bad', 'happy', 'sad', 'fine', 'the', 'day', 'was', 'really', 'not'];
const texts = Array.from({ length: 120 }, (_, i) =>
  Array.from({ length: 1 + ((i * 7) % 13) }, (_, k) => words[(i + k * 3) % words.length]).join(' '),
);

describe(InferenceEngine.name, () => {
  let sut: InferenceEngine;
  beforeAll(async () => {
    sut = await InferenceEngine.create(config);
  });
  afterAll(async () => {
    await sut.close();
  });

  describe('classify', () => {
    it('answers concurrent calls in their input order, sharing batches, with the same scores as batching each call alone', async () => {
      const chunks = [texts.slice(0, 40), texts.slice(40, 50), texts.slice(50, 120)];
      // One call at a time: each call's texts are batched only among themselves.
      const alone: ClassifyOutcome[][] = [];
      for (const c of chunks) alone.push(await sut.classify(c));
      const before = sut.stats.batches;
      const shared = await Promise.all(chunks.map((c, i) => sut.classify(c, { priority: i === 1 ? 'interactive' : 'bulk' })));
      shared.forEach((outcomes, c) =>
        outcomes.forEach((o, i) => {
          const expected = alone[c][i];
          if (isItemError(o) || isItemError(expected)) throw new Error('unexpected item error');
          expect(o.labels[0].label).toBe(expected.labels[0].label);
          for (const [label, score] of Object.entries(expected.scores ?? {})) expect(o.scores?.[label]).toBeCloseTo(score, 5);
        }),
      );
      // 120 texts of ≤ 16 tokens under a 256-token budget: shared batches, not one per text or per call
      expect(sut.stats.batches - before).toBeLessThan(30);
    });

    it('fails texts whose deadline has passed with DEADLINE_EXCEEDED and keeps bad inputs as item errors', async () => {
      const outcomes = await sut.classify(['good day', '', 'bad day'], { deadlineAt: Date.now() - 1 });
      expect(outcomes.map((o) => (isItemError(o) ? o.error.code : 'ok'))).toEqual(['DEADLINE_EXCEEDED', 'TEXT_EMPTY', 'DEADLINE_EXCEEDED']);
    });
  });
});
