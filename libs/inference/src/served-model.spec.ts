// The model the API's workers and every CLI command serve is loaded here: a benchmark_only bundle
// (random weights) is refused unless ALLOW_BENCHMARK_MODEL; the benchmarks pass it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServedModel } from './served-model';
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
