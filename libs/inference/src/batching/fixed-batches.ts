// Batches in input order with a fixed size: the hand-written loop the benchmarks compare the
// engine's scheduler against (see FixedPlanRunner).

/** Lists of indices 0..count-1, `size` at a time, in input order. */
export function planFixedBatches(count: number, size: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < count; start += size) {
    batches.push(Array.from({ length: Math.min(size, count - start) }, (_, i) => start + i));
  }
  return batches;
}
