import { describe, expect, it } from 'vitest';
import { assertServable } from './serving-guard';

describe(assertServable.name, () => {
  const bench = { dir: '/models/roberta-base-shaped', benchmarkOnly: true };

  it('refuses a benchmark-only bundle, saying its labels are random and how to allow it', () => {
    expect(() => assertServable(bench, false)).toThrow(
      expect.objectContaining({
        code: 'MODEL_BENCHMARK_ONLY',
        message: expect.stringMatching(/random.*--allow-benchmark-model.*ALLOW_BENCHMARK_MODEL=true/s),
      }),
    );
  });

  it('serves it when allowed, and any other bundle always', () => {
    expect(() => assertServable(bench, true)).not.toThrow();
    expect(() => assertServable({ dir: '/models/m', benchmarkOnly: false }, false)).not.toThrow();
  });
});
