// The fixed-cost stub of `emo bench control-plane` (INFERENCE_BACKEND=stub): refused without
// ALLOW_BENCHMARK_MODEL, and its answers have the shape of the real engine's (the bundle's labels,
// one outcome per text in input order, item errors in place, scores on request, coarse views), under
// a `stub-` model id that keeps them out of the real model's cache. No timings are asserted.
import { resolve } from 'node:path';
import { loadConfig } from '@emo/config';
import { isItemError, type ClassificationResult } from '@emo/contracts';
import { loadModelBundle } from '@emo/model';
import { describe, expect, it } from 'vitest';
import { InferenceEngine } from '../inference-engine';
import { engineTestConfig } from '../testing/engine-test-config';
import { StubEngine } from './stub-engine';

const TINY = resolve(__dirname, '../../../../test/fixtures/models/tiny-softmax');
const stubConfig = (allow: boolean) =>
  loadConfig({}, { modelDir: TINY, inferenceBackend: 'stub', allowBenchmarkModel: allow, stubBatchMs: 0, stubTextMs: 0 });

describe(StubEngine.name, () => {
  it('is refused unless ALLOW_BENCHMARK_MODEL=true', async () => {
    await expect(StubEngine.create(stubConfig(false))).rejects.toMatchObject({ code: 'MODEL_BENCHMARK_ONLY' });
  });

  it('answers every text with the bundle labels, in input order, errors in place, under a stub- model id', async () => {
    const warnings: string[] = [];
    const stub = await StubEngine.create(stubConfig(true), (m) => warnings.push(m));
    const bundle = await loadModelBundle(TINY);
    expect(warnings.join('\n')).toMatch(/benchmark tool/);
    expect(stub.modelId).toBe(`stub-${bundle.name}@${bundle.revision}`);
    expect(stub.bundle.labels).toEqual(bundle.labels);
    const out = await stub.classify(['I love this', '   ', 42, 'I love this', 'what a day'], { includeScores: true });
    expect(out).toHaveLength(5);
    expect(out.map(isItemError)).toEqual([false, true, true, false, false]);
    const first = out[0] as ClassificationResult;
    expect(first.model).toBe(stub.modelId);
    expect(Object.keys(first.scores ?? {}).sort()).toEqual([...bundle.labels].sort());
    for (const l of first.labels) expect(bundle.labels).toContain(l.label);
    expect(out[3]).toEqual(first); // the same text, the same answer
    expect(stub.stats).toEqual({ calls: 1, texts: 3 });
    await stub.close();
  });

  it('gives results of the same shape as the real engine on the same bundle', async () => {
    const stub = await StubEngine.create(stubConfig(true));
    const engine = await InferenceEngine.create(engineTestConfig({ modelDir: TINY, inferenceThreads: 1 }));
    try {
      const keys = (r: unknown) => Object.keys(r as object).sort();
      const [s] = await stub.classify(['a text'], { taxonomy: 'goemotions' });
      const [e] = await engine.classify(['a text'], { taxonomy: 'goemotions' });
      expect(keys(s)).toEqual(keys(e));
      expect(stub.bundle.thresholdsVersion).toBe(engine.bundle.thresholdsVersion);
      expect(stub.tokenizer.maxLength).toBeGreaterThan(0);
    } finally {
      await Promise.all([stub.close(), engine.close()]);
    }
  });
});
