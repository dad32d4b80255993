// Parity with the training framework: for every fixture text, our tokenizer gives the ids the
// Python recipe gave, and the engine's scores match the scores torch computed (within 1e-4),
// both one text at a time and padded together in one ragged batch (the engine's scheduler on a
// fixed budget large enough for all of them, one thread: the batches are known by construction).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@emo/contracts';
import { InferenceEngine } from './inference-engine';
import { scoresFromLogits } from './postprocess/score-postprocessor';
import { engineTestConfig } from './testing/engine-test-config';

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

// A ragged batch runs as one padded run (split off) and as length-sorted runs (a run costs nothing:
// a cut at every length), so both layouts are held to the recipe's scores.
const layouts = bundles.flatMap((b) => [
  { ...b, split: 'off' as const },
  { ...b, split: 0 },
]);

describe.each(layouts)('parity with torch: $modelDir, BATCH_SPLIT_RUN_TOKENS=$split', ({ fixture, modelDir, split }) => {
  const data = JSON.parse(readFileSync(resolve(ROOT, fixture), 'utf8')) as ParityFixture;
  let sut: InferenceEngine;

  beforeAll(async () => {
    sut = await InferenceEngine.create(
      engineTestConfig({
        modelDir: resolve(ROOT, modelDir),
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        intraOpThreads: 1,
        inferenceThreads: 1,
        maxSequenceLength: data.max_length,
        batchMaxTokens: 1 << 20,
        batchMaxSize: 1024,
        batchAdaptive: false,
        includeScores: true,
        maxTextChars: 1_000_000,
        longTextPolicy: 'truncate',
        batchSplitRunTokens: split,
      }),
    );
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
    const before = sut.stats.batches;
    const runsBefore = sut.stats.runs;
    const alone: Float32Array[] = [];
    for (const e of encoded) alone.push((await scoresOf(sut, [e]))[0]); // one at a time: a batch each
    expect(sut.stats.batches - before).toBe(encoded.length);
    const together = await scoresOf(sut, encoded);
    expect(sut.stats.batches - before).toBe(encoded.length + 1);
    const lengths = new Set(encoded.map((e) => e.length)).size;
    expect(sut.stats.runs - runsBefore).toBe(encoded.length + (split === 'off' ? 1 : lengths));
    let worst = 0;
    data.cases.forEach((c, i) => {
      c.scores.forEach((expected, j) => {
        worst = Math.max(worst, Math.abs(alone[i][j] - expected), Math.abs(together[i][j] - expected));
      });
    });
    expect(worst).toBeLessThanOrEqual(Math.min(data.tolerance ?? 1e-4, 1e-4));
  });
});

/** Scores of token id sequences through the engine's scheduler, in input order. */
async function scoresOf(engine: InferenceEngine, encoded: readonly Int32Array[]): Promise<Float32Array[]> {
  const rows = await engine.scheduler.submit(encoded);
  return rows.map((r) => {
    if (r instanceof AppError) throw r;
    return scoresFromLogits(r.out.logits, r.row, r.out.numLabels, engine.bundle.problemType);
  });
}
