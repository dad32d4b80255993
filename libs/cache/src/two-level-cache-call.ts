// What one read-through call of TwoLevelCache carries between its steps (L1, the L2 lookup, the
// computing of misses), and the score stripping its answers share.
import type { ClassificationResult, Classifier, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import type { Deferred, Settled } from './in-flight-results';

/** One call's texts, as the steps after L1 need them. */
export interface OwnCall {
  readonly inner: Classifier;
  readonly texts: readonly unknown[];
  readonly opts?: ClassifyOptions;
  readonly includeScores: boolean;
  readonly trace: { readonly labels: { readonly priority?: string }; readonly traceId?: string };
  /** Input positions of each key. */
  readonly positions: ReadonlyMap<string, readonly number[]>;
  readonly out: ClassifyOutcome[];
  /** Puts a key's answer at each of its positions. */
  readonly fill: (key: string, settled: Settled) => void;
}

/** What L2 did not answer: keys to compute, their in-flight entries, and whether L2 was asked and missed. */
export interface L2Misses {
  readonly missKeys: readonly string[];
  readonly missDeferreds: readonly Deferred[];
  readonly checked: boolean;
}

/**
 * A computed result as a caller gets it: with the score map when it asked for scores (built from
 * `scoreArray` when the classifier answered that, rounded as the engine rounds its map), without
 * it otherwise, and never with `scoreArray`.
 */
export function stripScores(result: ClassificationResult, includeScores: boolean, labels: readonly string[]): ClassificationResult {
  const { scores, scoreArray, ...rest } = result;
  if (!includeScores) return scores === undefined && scoreArray === undefined ? result : rest;
  if (scoreArray === undefined) return result;
  const map: Record<string, number> = {};
  for (let j = 0; j < labels.length; j++) map[labels[j]] = Math.round(scoreArray[j] * 1e6) / 1e6;
  return { ...rest, scores: map };
}
