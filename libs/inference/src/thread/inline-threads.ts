// How many intra-op threads the inline session (inline-runner.ts) gets when
// INFERENCE_INLINE_INTRA_OP_THREADS is 0 (auto): one, or the engine's thread budget, whichever runs
// a lone text faster on this machine. Splitting one text over threads pays where a run is long (an
// AVX2-only VM: 3.8 → 2.3 ms) and costs where it is short (an AVX-512 VNNI VM: 0.41 → 0.67 ms, at
// twice the CPU), so it is measured when the pool starts, not assumed (ADR 020).

/** Tokens of the lone text timed (a chat message's order of length). */
export const CALIBRATION_TOKENS = 24;
/** Untimed runs of each candidate first, then timed rounds (every candidate once a round, alternating order). */
export const CALIBRATION_WARM_UP_RUNS = 3;
export const CALIBRATION_ROUNDS = 12;
/** Pause before each run, as between lone calls (`emo bench engine`'s lone_text_* figures use 2 ms). */
export const CALIBRATION_GAP_MS = 1;
/** More threads are kept only when their median is at most this share of the fewer threads' median. */
export const MORE_THREADS_MAX_RATIO = 0.85;

/** The candidates INFERENCE_INLINE_INTRA_OP_THREADS allows: that number, or (0) 1 and the thread budget (at most 4). */
export function inlineThreadChoices(setting: number, threadBudget: number): readonly number[] {
  if (setting > 0) return [setting];
  const budget = Math.max(1, Math.min(4, threadBudget));
  return budget > 1 ? [1, budget] : [1];
}

/**
 * The candidate to keep from the median run time of each: the fewest threads, unless more threads
 * run a lone text in at most MORE_THREADS_MAX_RATIO of the time (more threads cost more CPU a run).
 */
export function pickInlineThreads(medianMs: ReadonlyMap<number, number>): number {
  const ascending = [...medianMs.keys()].sort((a, b) => a - b);
  let kept = ascending[0];
  for (const threads of ascending.slice(1)) {
    if ((medianMs.get(threads) as number) <= MORE_THREADS_MAX_RATIO * (medianMs.get(kept) as number)) kept = threads;
  }
  return kept;
}

/** The median of a candidate's timed runs (what pickInlineThreads compares). */
export function medianMs(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
