// The benchmark-only bundle generator (shrunk encoder, real RoBERTa vocabulary and tokenizer):
// a bundle the engine loads and runs, labelled benchmark-only, regenerated only when its stamp changes.
import { isItemError } from '@emo/contracts';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '@emo/config';
import { InferenceEngine } from '@emo/inference';
import { loadModelBundle } from '@emo/model';
import { sharedDataDir } from '../bench/shared-data';
import { ensureRobertaShapedBundle } from './roberta-shaped-bundle';

const work = mkdtempSync(join(tmpdir(), 'emo-bench-model-'));
const dir = join(work, 'roberta-shaped-small');
const encoder = { layers: 1, hidden: 32, heads: 2, ffn: 64 };
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Reads the RoBERTa tokenizer and GoEmotions labels from ../shared: skips only where it is missing and
// REQUIRE_SHARED is not set (CI sets it: the run fails there).
describe.skipIf(!inject('sharedAvailable'))('ensureRobertaShapedBundle', () => {
  it('writes a benchmark-only bundle that the engine runs with the RoBERTa tokenizer', async () => {
    await ensureRobertaShapedBundle({ dir, encoder });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      benchmark_only: true,
      problem_type: 'multi_label_classification',
      vocab_size: 50265,
      num_hidden_layers: 1,
    });
    expect(Object.keys(config.id2label)).toHaveLength(28);
    const bundle = await loadModelBundle(dir);
    expect(bundle.benchmarkOnly).toBe(true);
    expect(bundle.tokenizerJson).toEqual(JSON.parse(readFileSync(join(sharedDataDir(), 'tokenizers/roberta-base/tokenizer.json'), 'utf8')));
    const engine = await InferenceEngine.create(
      loadConfig(
        {},
        {
          modelDir: dir,
          allowBenchmarkModel: true, // as emo bench runs it; serving it is refused (MODEL_BENCHMARK_ONLY)
          executionProviders: ['cpu'],
          graphOptimizationLevel: 'all',
          intraOpThreads: 1,
          inferenceThreads: 1,
          optimizedModelCacheDir: join(work, 'ort'),
          maxSequenceLength: 64,
          batchMaxTokens: 4096,
          batchMaxSize: 32,
          batchAdaptive: false,
          includeScores: true,
          maxTextChars: 1000,
          longTextPolicy: 'truncate',
        },
      ),
    );
    try {
      const [short, long] = await engine.classify([
        'I love this!',
        'This is a much longer sentence that needs more tokens than the first one does.',
      ]);
      expect(isItemError(short) || isItemError(long)).toBe(false);
      expect(Object.keys((short as { scores: object }).scores)).toHaveLength(28);
    } finally {
      await engine.close();
    }
  });

  it('reuses a bundle with the same stamp and regenerates one with another', async () => {
    const before = statSync(join(dir, 'model.onnx')).mtimeMs;
    await ensureRobertaShapedBundle({ dir, encoder });
    expect(statSync(join(dir, 'model.onnx')).mtimeMs).toBe(before);
    await ensureRobertaShapedBundle({ dir, encoder: { ...encoder, layers: 2 } });
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).num_hidden_layers).toBe(2);
  });
});
