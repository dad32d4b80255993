// The shipped bundle is a standard Hugging Face text-classification bundle: transformers.js
// (@huggingface/transformers) loads it offline as it is (config.json model_type `roberta`, the graph
// at onnx/model.onnx, tokenizer.json + tokenizer_config.json with a pad token) and, on every parity
// fixture text, gives the token ids of the training recipe and the scores emo gives (sigmoid:
// problem_type multi_label_classification), within 1e-4 (float32 on either side; the fixture's own
// tolerance against torch).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AutoTokenizer, env, pipeline, type TextClassificationPipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isItemError } from '@emo/contracts';
import { InferenceEngine } from '../inference-engine';
import { engineTestConfig } from '../testing/engine-test-config';

const ROOT = resolve(__dirname, '../../../..');
const fixture = JSON.parse(readFileSync(resolve(ROOT, 'test/fixtures/parity/goemotions-mini.json'), 'utf8')) as {
  labels: string[];
  tolerance: number;
  cases: { text: string; input_ids: number[]; scores: number[] }[];
};

describe('transformers.js loads the shipped bundle unchanged', () => {
  let classifier: TextClassificationPipeline;
  let engine: InferenceEngine;

  beforeAll(async () => {
    env.allowRemoteModels = false;
    env.localModelPath = resolve(ROOT, 'models');
    classifier = (await pipeline('text-classification', 'goemotions-mini', { dtype: 'fp32' })) as TextClassificationPipeline;
    engine = await InferenceEngine.create(
      engineTestConfig({ modelDir: resolve(ROOT, 'models/goemotions-mini'), inferenceThreads: 1, includeScores: true }),
    );
  }, 120_000);
  afterAll(async () => {
    await classifier?.dispose();
    await engine?.close();
  });

  it('tokenizes every fixture text as the training recipe did', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained('goemotions-mini');
    // The fixture keeps the first max_length ids of the encoding, as the pipeline's truncation does.
    for (const c of fixture.cases) expect(tokenizer.encode(c.text).slice(0, 128), c.text.slice(0, 60)).toEqual(c.input_ids);
  });

  it("gives emo's scores (and torch's) on every fixture text, every label, sigmoid not softmax", async () => {
    const texts = fixture.cases.map((c) => c.text);
    const ours = await engine.classify(texts, { includeScores: true });
    let worstVsEmo = 0;
    let worstVsTorch = 0;
    let compared = 0;
    for (const [i, c] of fixture.cases.entries()) {
      const theirs = (await classifier(c.text, { top_k: null })) as { label: string; score: number }[];
      expect(theirs.map((s) => s.label).sort()).toEqual([...fixture.labels].sort());
      const byLabel = new Map(theirs.map((s) => [s.label, s.score]));
      const outcome = ours[i];
      // emo answers a whitespace-only text TEXT_EMPTY (by design) where torch and transformers.js score `[CLS]`.
      if (isItemError(outcome)) expect([outcome.error.code, c.text.trim()]).toEqual(['TEXT_EMPTY', '']);
      else compared++;
      fixture.labels.forEach((label, j) => {
        const score = byLabel.get(label) ?? Number.NaN;
        if (!isItemError(outcome)) worstVsEmo = Math.max(worstVsEmo, Math.abs(score - (outcome.scores?.[label] ?? Number.NaN)));
        worstVsTorch = Math.max(worstVsTorch, Math.abs(score - c.scores[j]));
      });
      // Independent sigmoids: 28 scores of a multi-label model do not sum to 1 as a softmax would.
      expect(Math.abs(theirs.reduce((sum, s) => sum + s.score, 0) - 1)).toBeGreaterThan(1e-3);
    }
    expect(compared).toBeGreaterThanOrEqual(fixture.cases.length - 2);
    expect(worstVsEmo).toBeLessThanOrEqual(1e-4);
    expect(worstVsTorch).toBeLessThanOrEqual(Math.min(fixture.tolerance, 1e-4));
  });
});
