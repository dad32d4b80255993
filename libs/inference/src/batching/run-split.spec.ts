import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { padBatch, padSortedBatch } from './padded-batch';
import { planRuns } from './run-split';

const cost = (lengths: readonly number[], rows: readonly number[], runCost: number): number => {
  let at = 0;
  let total = 0;
  for (const n of rows) {
    total += runCost + n * lengths[at + n - 1];
    at += n;
  }
  return total;
};

/** Every way to cut sorted lengths between different values (small inputs only). */
function bruteForceBest(lengths: readonly number[], runCost: number): number {
  const cuts = lengths.flatMap((l, i) => (i > 0 && l !== lengths[i - 1] ? [i] : []));
  let best = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 1 << cuts.length; mask++) {
    const chosen = cuts.filter((_, k) => mask & (1 << k));
    const bounds = [0, ...chosen, lengths.length];
    const rows = bounds.slice(1).map((b, k) => b - bounds[k]);
    best = Math.min(best, cost(lengths, rows, runCost));
  }
  return best;
}

const sortedLengths = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 14 }).map((xs) => xs.sort((a, b) => a - b));

describe('planRuns', () => {
  it('keeps one run when a cut saves nothing: equal lengths, or an infinite run cost', () => {
    expect(planRuns([], 8)).toEqual([]);
    expect(planRuns([5, 5, 5, 5], 0)).toEqual([4]);
    expect(planRuns([1, 2, 60, 61], Number.POSITIVE_INFINITY)).toEqual([4]);
  });

  it('cuts where a run costs less than the padding it saves', () => {
    // One run: 4 × 60 = 240 tokens. Two runs: 8 + 2 × 2 + 8 + 2 × 60 = 140.
    expect(planRuns([1, 2, 59, 60], 8)).toEqual([2, 2]);
    // A run costing 200 tokens saves nothing: 240 < 200 + 4 + 200 + 120.
    expect(planRuns([1, 2, 59, 60], 200)).toEqual([4]);
  });

  it('finds the cheapest cut, covers every row in order, and never costs more than one run', () => {
    fc.assert(
      fc.property(sortedLengths, fc.integer({ min: 0, max: 64 }), (lengths, runCost) => {
        const rows = planRuns(lengths, runCost);
        expect(rows.reduce((a, b) => a + b, 0)).toBe(lengths.length);
        let at = 0;
        for (const n of rows.slice(0, -1)) {
          at += n;
          expect(lengths[at]).not.toBe(lengths[at - 1]); // cuts only between different lengths
        }
        const planned = cost(lengths, rows, runCost);
        expect(planned).toBe(bruteForceBest(lengths, runCost));
        expect(planned).toBeLessThanOrEqual(cost(lengths, [lengths.length], runCost));
      }),
    );
  });
});

describe('padSortedBatch', () => {
  it('lays runs out back to back, each row padded to its run, and counts what the device computes', () => {
    const seqs = [Int32Array.of(7), Int32Array.of(8, 9), Int32Array.of(1, 2, 3, 4, 5, 6)];
    const b = padSortedBatch(seqs, 0, 1);
    expect(b.runs).toEqual([
      { rows: 2, seq: 2 },
      { rows: 1, seq: 6 },
    ]);
    expect({ batch: b.batch, seq: b.seq, paddedTokens: b.paddedTokens }).toEqual({ batch: 3, seq: 6, paddedTokens: 10 });
    expect(Array.from(b.inputIds, Number)).toEqual([7, 0, 8, 9, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(b.attentionMask, Number)).toEqual([1, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('is the one-run layout of padBatch when runs cost too much', () => {
    const seqs = [Int32Array.of(7), Int32Array.of(8, 9, 10)];
    expect(padSortedBatch(seqs, 0, Number.POSITIVE_INFINITY)).toEqual(padBatch(seqs, 0));
    expect(padBatch(seqs, 0).runs).toEqual([{ rows: 2, seq: 3 }]);
  });
});
