import { describe, expect, it } from 'vitest';
import { planFixedBatches } from './fixed-batches';

describe(planFixedBatches.name, () => {
  it('cuts input order into fixed-size batches', () => {
    expect(planFixedBatches(5, 2)).toEqual([[0, 1], [2, 3], [4]]);
  });
});
