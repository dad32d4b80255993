// First-version batch planner: sort texts by token length and cut batches by a padded-token
// budget (texts x longest) and a maximum size, so short texts are not padded to long ones.

export interface BatchLimits {
  readonly maxTokens: number;
  readonly maxSize: number;
}

/** Returns batches of indices into `lengths`; every index appears exactly once. */
export function planLengthSortedBatches(lengths: ArrayLike<number>, limits: BatchLimits): number[][] {
  const order = Array.from({ length: lengths.length }, (_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const index of order) {
    const longest = Math.max(lengths[index], 1);
    const wouldCost = (current.length + 1) * longest;
    if (current.length > 0 && (current.length >= limits.maxSize || wouldCost > limits.maxTokens)) {
      batches.push(current);
      current = [];
    }
    current.push(index);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Batches in input order with a fixed size: the naive baseline benchmarks compare against. */
export function planFixedBatches(count: number, size: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < count; start += size) {
    batches.push(Array.from({ length: Math.min(size, count - start) }, (_, i) => start + i));
  }
  return batches;
}
