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

export function stripScores(result: ClassificationResult, includeScores: boolean): ClassificationResult {
  if (includeScores || result.scores === undefined) return result;
  const { scores: _scores, ...rest } = result;
  return rest;
}
