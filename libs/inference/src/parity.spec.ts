// Parity with the training framework: for every fixture text, our tokenizer gives the ids the
// Python recipe gave, and the engine's scores match the scores torch computed (within 1e-4),
// both one text at a time and padded together in one ragged batch.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceEngine } from './inference-engine';

interface ParityFixture {
  model: string;
  max_length: number;
  tolerance: number;
  cases: { text: string; input_ids: number[]; scores: number[] }[];
}

const ROOT = resolve(__dirname, '../../..');
const bundles = [
  { fixture: 'test/fixtures/parity/tiny-softmax.json', modelDir: 'test/fixtures/models/tiny-softmax' },
  { fixture: 'test/fixtures/parity/goemotions-mini.json', modelDir: 'models/goemotions-mini' },
]; // both ship with the repository: a missing one fails its suite, never drops out of the list

describe.each(bundles)('parity with torch: $modelDir', ({ fixture, modelDir }) => {
  const data = JSON.parse(readFileSync(resolve(ROOT, fixture), 'utf8')) as ParityFixture;
  let sut: InferenceEngine;

  beforeAll(async () => {
    sut = await InferenceEngine.create({
      modelDir: resolve(ROOT, modelDir),
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpThreads: 1,
      inferenceThreads: 1,
      maxSequenceLength: data.max_length,
      batchMaxTokens: 1 << 20,
      batchMaxSize: 1024,
      includeScores: true,
      maxTextChars: 1_000_000,
      longTextPolicy: 'truncate',
    });
  });
  afterAll(() => sut.close());

  it('has enough cases', () => {
    expect(data.cases.length).toBeGreaterThanOrEqual(modelDir.includes('goemotions') ? 20 : 5);
  });

  it('tokenizes exactly like the training recipe', () => {
    for (const c of data.cases) expect(Array.from(sut.tokenizer.encode(c.text).ids), c.text.slice(0, 60)).toEqual(c.input_ids);
  });

  it('matches torch scores within tolerance, alone and in one padded ragged batch', async () => {
    const encoded = data.cases.map((c) => Int32Array.from(c.input_ids));
    const alone = await Promise.all(encoded.map(async (e) => (await sut.runPlan([e], [[0]]))[0]));
    const together = await sut.runPlan(encoded, [encoded.map((_, i) => i)]);
    let worst = 0;
    data.cases.forEach((c, i) => {
      c.scores.forEach((expected, j) => {
        worst = Math.max(worst, Math.abs(alone[i][j] - expected), Math.abs(together[i][j] - expected));
      });
    });
    expect(worst).toBeLessThanOrEqual(Math.min(data.tolerance ?? 1e-4, 1e-4));
  });
});
