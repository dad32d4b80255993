import { describe, expect, it } from 'vitest';
import { compareVariants, gateFailures } from './accuracy-gate';

const labels = ['a', 'b', 'c'];
const gold = [new Set([0]), new Set([1]), new Set([2]), new Set([0, 1])];
const original = {
  labelSets: [new Set([0]), new Set([1]), new Set([2]), new Set([0, 1])],
  scores: [
    [0.9, 0.1, 0.1],
    [0.1, 0.8, 0.1],
    [0.2, 0.1, 0.7],
    [0.6, 0.6, 0.1],
  ],
};
const thresholds = { minLabelAgreement: 0.98, maxMacroF1Drop: 0.01, maxScoreDiff: 0.05 };

describe('compareVariants', () => {
  it('reports agreement, score differences and the macro-F1 delta', () => {
    const variant = {
      labelSets: [new Set([0]), new Set([1]), new Set([2]), new Set([0])],
      scores: [
        [0.9, 0.1, 0.1],
        [0.1, 0.8, 0.1],
        [0.2, 0.1, 0.7],
        [0.6, 0.45, 0.1],
      ],
    };
    const sut = compareVariants(labels, gold, original, variant);
    expect(sut.n).toBe(4);
    expect(sut.label_agreement).toBe(0.75);
    expect(sut.max_score_diff).toBeCloseTo(0.15, 6);
    expect(sut.macro_f1_original).toBe(1);
    expect(sut.macro_f1_delta).toBeLessThan(0);
  });

  it('treats NaN scores as an infinite difference', () => {
    const variant = { labelSets: original.labelSets, scores: original.scores.map((s, i) => (i === 2 ? [Number.NaN, 0, 0] : s)) };
    expect(compareVariants(labels, gold, original, variant).max_score_diff).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('gateFailures', () => {
  it('passes an identical variant', () => {
    expect(gateFailures(compareVariants(labels, gold, original, original), thresholds)).toEqual([]);
  });

  it('names every threshold a variant misses', () => {
    const c = {
      n: 100,
      label_agreement: 0.9,
      max_score_diff: 0.3,
      mean_abs_score_diff: 0.01,
      macro_f1_original: 0.5,
      macro_f1_variant: 0.45,
      macro_f1_delta: -0.05,
    };
    const sut = gateFailures(c, thresholds);
    expect(sut).toHaveLength(3);
    expect(sut.join(' ')).toMatch(/agreement 0.9000 < 0.98.*macro-F1 drop 0.0500 > 0.01.*max score difference 0.3000 > 0.05/);
  });
});
