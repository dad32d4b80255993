// The engine end to end on a real ONNX model (the tiny fixture): input order, per-item errors,
// provider fallback, optimized-model cache.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ClassificationResult } from '@emo/contracts';
import { isItemError } from '@emo/contracts';
import type { ConfigOverrides } from '@emo/config';
import { InferenceEngine, PIECE_TEXTS } from './inference-engine';
import { engineTestConfig } from './testing/engine-test-config';

const TINY = resolve(__dirname, '../../../test/fixtures/models/tiny-softmax');
const cacheDir = mkdtempSync(join(tmpdir(), 'emo-ort-cache-'));

const options = (over: ConfigOverrides = {}) =>
  engineTestConfig({
    modelDir: TINY,
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpThreads: 1,
    inferenceThreads: 2,
    optimizedModelCacheDir: cacheDir,
    maxSequenceLength: 32,
    batchMaxTokens: 64,
    batchMaxSize: 4,
    includeScores: true,
    maxTextChars: 1000,
    longTextPolicy: 'truncate',
    ...over,
  });

describe(InferenceEngine.name, () => {
  let sut: InferenceEngine;
  beforeAll(async () => {
    sut = await InferenceEngine.create(options());
  });
  afterAll(async () => {
    await sut.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('returns one outcome per input, in input order, whatever order batches ran in', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 'love love great '.repeat(1 + (i % 7)) : `bad ${i}`));
    const out = await sut.classify(texts);
    const single = await Promise.all(texts.map((t) => sut.classify([t])));
    expect(out).toHaveLength(40);
    out.forEach((o, i) => {
      expect(isItemError(o)).toBe(false);
      expect(o).toEqual(single[i][0]);
    });
  });

  it('hands a big call to the batcher piece by piece: its first texts are submitted before its last are tokenized', async () => {
    const n = 10 * PIECE_TEXTS + 100;
    const texts = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? `so happy ${i} `.repeat(1 + (i % 3)) : `meh ${i}`));
    const encode = vi.spyOn(sut.tokenizer, 'encode');
    const submitOriginal = sut.scheduler.submit.bind(sut.scheduler);
    const encodedAtSubmit: number[] = [];
    const submit = vi.spyOn(sut.scheduler, 'submit').mockImplementation((...args) => {
      encodedAtSubmit.push(encode.mock.calls.length);
      return submitOriginal(...args);
    });
    try {
      const out = await sut.classify(texts);
      // Eleven pieces, handed over as each one's texts are tokenized. Taking turns (or one piece) handed the
      // first over only once all 5,220 were; a turn of the slicer tokenizes at most its 4 ms budget's worth,
      // some hundreds of texts even on a fast machine, so the first piece goes before half of them.
      expect(encodedAtSubmit).toHaveLength(11);
      expect(encodedAtSubmit[0]).toBeLessThanOrEqual(n / 2);
      expect(encodedAtSubmit.every((c, k) => k === 0 || c >= encodedAtSubmit[k - 1])).toBe(true);
      const again = await Promise.all([0, 300, 2000].map((at, k, all) => sut.classify(texts.slice(at, all[k + 1] ?? n))));
      expect(out).toEqual(again.flat());
    } finally {
      encode.mockRestore();
      submit.mockRestore();
    }
  });

  it('is idle only while nothing waits or runs: not from a call that was handed over until it is answered', async () => {
    expect(sut.idle).toBe(true);
    const texts = Array.from({ length: 24 }, (_, i) => `busy text ${i} `.repeat(1 + (i % 4)));
    const call = sut.classify(texts);
    // Tokenized and handed to the scheduler before the first await returns: its texts wait or run now.
    await Promise.resolve();
    expect(sut.idle).toBe(false);
    await call;
    expect(sut.idle).toBe(true);
  });

  it('answers every score as the array it is when asked for scoreArray (the result cache), the map being that array rounded', async () => {
    const texts = ['love love great', 'bad day', 'x'.repeat(5000)];
    const maps = (await sut.classify(texts, { includeScores: true })) as ClassificationResult[];
    const arrays = (await sut.classify(texts, { includeScores: true, scoreArray: true })) as ClassificationResult[];
    arrays.forEach((a, i) => {
      expect(a).not.toHaveProperty('scores');
      expect(a.scoreArray).toBeInstanceOf(Float32Array);
      const labels = Object.keys(maps[i].scores!);
      expect(Object.fromEntries(labels.map((l, j) => [l, Math.round(a.scoreArray![j] * 1e6) / 1e6]))).toEqual(maps[i].scores);
      const { scores: _scores, ...rest } = maps[i];
      const { scoreArray: _array, ...same } = a;
      expect(same).toEqual(rest); // labels, model, truncated: as with the map
    });
    // Without includeScores, or for a coarse view, the option changes nothing.
    expect(await sut.classify(texts, { includeScores: false, scoreArray: true })).toEqual(
      await sut.classify(texts, { includeScores: false }),
    );
    expect(await sut.classify(texts, { includeScores: true, scoreArray: true, taxonomy: 'ekman' })).toEqual(
      await sut.classify(texts, { includeScores: true, taxonomy: 'ekman' }),
    );
  });

  it('reports bad items in place with a code and classifies the rest', async () => {
    const out = await sut.classify(['fine', '', '   ', 42, null, 'bad\uD800', 'x'.repeat(5000), 'ok']);
    const codes = out.map((o) => (isItemError(o) ? o.error.code : 'ok'));
    expect(codes).toEqual(['ok', 'TEXT_EMPTY', 'TEXT_EMPTY', 'TEXT_NOT_STRING', 'TEXT_NOT_STRING', 'TEXT_INVALID_UTF8', 'ok', 'ok']);
    expect(out[6]).toMatchObject({ truncated: true });
  });

  it('rejects long texts with TEXT_TOO_LONG under the reject policy', async () => {
    const strict = await InferenceEngine.create(options({ longTextPolicy: 'reject', inferenceThreads: 1 }));
    try {
      const [o] = await strict.classify(['x'.repeat(5000)]);
      expect(isItemError(o) && o.error.code).toBe('TEXT_TOO_LONG');
    } finally {
      await strict.close();
    }
  });

  it('falls back from an unavailable provider to the next one, with one warning', async () => {
    const warnings: string[] = [];
    const engine = await InferenceEngine.create(options({ executionProviders: ['cuda', 'cpu'] }), { onWarning: (m) => warnings.push(m) });
    try {
      expect(engine.provider).toBe('cpu');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/cuda/);
      expect(isItemError((await engine.classify(['hello']))[0])).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('reuses the optimized model written by an earlier start', async () => {
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('-all-cpu.onnx'))).toHaveLength(1);
    const again = await InferenceEngine.create(options({ inferenceThreads: 1 }));
    try {
      expect(again.optimizedModelFromCache).toBe(true);
      expect(await again.classify(['hello there'])).toEqual(await sut.classify(['hello there']));
    } finally {
      await again.close();
    }
  });

  it('fails to start with MODEL_NOT_FOUND for a missing bundle', async () => {
    await expect(InferenceEngine.create(options({ modelDir: '/nonexistent/model' }))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});
