// The model the API's workers and every CLI command serve is loaded here: a benchmark_only bundle
// (random weights) is refused unless ALLOW_BENCHMARK_MODEL; the benchmarks pass it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServedModel } from './served-model';
import { inlineThreadChoices, pickInlineThreads } from './thread/inline-threads';
import { engineTestConfig } from './testing/engine-test-config';

const TINY = resolve(__dirname, '../../../test/fixtures/models/tiny-softmax');
const dir = mkdtempSync(join(tmpdir(), 'emo-served-bench-only-'));
cpSync(TINY, dir, { recursive: true });
const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, benchmark_only: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(startServedModel.name, () => {
  it('refuses a benchmark_only bundle by default', async () => {
    await expect(startServedModel(engineTestConfig({ modelDir: dir, inferenceThreads: 1 }))).rejects.toMatchObject({
      code: 'MODEL_BENCHMARK_ONLY',
      message: expect.stringContaining('random'),
    });
  });

  it('serves it with ALLOW_BENCHMARK_MODEL=true', async () => {
    const sut = await startServedModel(engineTestConfig({ modelDir: dir, inferenceThreads: 1, allowBenchmarkModel: 'true' }));
    try {
      expect(sut.bundle.benchmarkOnly).toBe(true);
      expect(sut.spec.labels).toEqual(['negative', 'neutral', 'positive']);
    } finally {
      await sut.pool.close();
    }
  });
});

describe(inlineThreadChoices.name, () => {
  it('offers one thread and the thread budget (at most 4) under auto, and only the number INFERENCE_INLINE_INTRA_OP_THREADS sets otherwise', () => {
    expect(inlineThreadChoices(0, 2)).toEqual([1, 2]);
    expect(inlineThreadChoices(0, 1)).toEqual([1]);
    expect(inlineThreadChoices(0, 4)).toEqual([1, 4]);
    expect(inlineThreadChoices(0, 16)).toEqual([1, 4]);
    expect(inlineThreadChoices(1, 2)).toEqual([1]);
    expect(inlineThreadChoices(8, 2)).toEqual([8]);
  });
});

describe(pickInlineThreads.name, () => {
  it('keeps more threads only when they run a lone text in at most 0.85 of the time', () => {
    expect(
      pickInlineThreads(
        new Map([
          [1, 3.76],
          [2, 2.32],
        ]),
      ),
    ).toBe(2); // an AVX2-only VM
    expect(
      pickInlineThreads(
        new Map([
          [1, 0.41],
          [2, 0.67],
        ]),
      ),
    ).toBe(1); // an AVX-512 VNNI VM
    expect(
      pickInlineThreads(
        new Map([
          [1, 1.0],
          [2, 0.9],
        ]),
      ),
    ).toBe(1); // 10 % faster is not worth twice the CPU
    expect(
      pickInlineThreads(
        new Map([
          [2, 0.85],
          [1, 1.0],
        ]),
      ),
    ).toBe(2);
    expect(pickInlineThreads(new Map([[3, 1.0]]))).toBe(3);
  });
});
