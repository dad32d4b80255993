import { describe, expect, it } from 'vitest';
import { scoresFromLogits, toResult, type PostprocessSpec } from './score-postprocessor';

const multi: PostprocessSpec = {
  labels: ['joy', 'anger', 'fear'],
  problemType: 'multi_label_classification',
  thresholds: Float32Array.of(0.5, 0.3, 0.9),
  modelId: 'm@r',
};

describe(scoresFromLogits.name, () => {
  it('applies a sigmoid per label for multi-label models', () => {
    const s = scoresFromLogits(Float32Array.of(9, 9, 0, 0, -1, 2), 1, 3, 'multi_label_classification');
    expect(Array.from(s)).toEqual([0.5, expect.closeTo(1 / (1 + Math.exp(1)), 6), expect.closeTo(1 / (1 + Math.exp(-2)), 6)]);
  });

  it('applies a stable softmax for single-label models', () => {
    const s = scoresFromLogits(Float32Array.of(1000, 1000, 999), 0, 3, 'single_label_classification');
    expect(s[0]).toBeCloseTo(s[1], 6);
    expect(s[0] + s[1] + s[2]).toBeCloseTo(1, 6);
  });
});

describe(toResult.name, () => {
  it('keeps labels at or above their own threshold, by score descending', () => {
    const r = toResult(Float32Array.of(0.6, 0.35, 0.8), multi, false);
    expect(r.labels).toEqual([
      { label: 'joy', score: 0.6 },
      { label: 'anger', score: 0.35 },
    ]);
    expect(r.model).toBe('m@r');
    expect(r.scores).toBeUndefined();
  });

  it('includes every score when asked', () => {
    const r = toResult(Float32Array.of(0.1, 0.2, 0.3), multi, true);
    expect(r.labels).toEqual([]);
    expect(r.scores).toEqual({ joy: 0.1, anger: 0.2, fear: 0.3 });
  });

  it('returns the arg-max label for single-label models', () => {
    const spec: PostprocessSpec = { ...multi, problemType: 'single_label_classification', thresholds: new Float32Array(3) };
    expect(toResult(Float32Array.of(0.2, 0.5, 0.3), spec, false).labels).toEqual([{ label: 'anger', score: 0.5 }]);
  });
});
