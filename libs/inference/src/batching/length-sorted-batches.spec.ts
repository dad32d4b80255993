import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planFixedBatches, planLengthSortedBatches } from './length-sorted-batches';

describe(planLengthSortedBatches.name, () => {
  it('groups texts of similar length', () => {
    const plan = planLengthSortedBatches([50, 3, 48, 4], { maxTokens: 1000, maxSize: 2 });
    expect(plan).toEqual([
      [1, 3],
      [2, 0],
    ]);
  });

  it('schedules every index exactly once and never exceeds the padded-token budget or size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 128 }), { maxLength: 300 }), fc.integer({ min: 128, max: 4096 }), fc.integer({ min: 1, max: 64 }), (lengths, maxTokens, maxSize) => {
        const plan = planLengthSortedBatches(lengths, { maxTokens, maxSize });
        const seen = plan.flat().sort((a, b) => a - b);
        expect(seen).toEqual(lengths.map((_, i) => i));
        for (const batch of plan) {
          expect(batch.length).toBeLessThanOrEqual(maxSize);
          const cost = batch.length * Math.max(...batch.map((i) => lengths[i]));
          // a single text longer than the budget still runs, alone
          if (batch.length > 1) expect(cost).toBeLessThanOrEqual(maxTokens);
        }
      }),
    );
  });
});

describe(planFixedBatches.name, () => {
  it('cuts input order into fixed-size batches', () => {
    expect(planFixedBatches(5, 2)).toEqual([[0, 1], [2, 3], [4]]);
  });
});
