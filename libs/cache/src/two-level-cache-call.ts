// What one read-through call of TwoLevelCache carries between its steps (L1, the L2 lookup, the
// computing of misses), and how a settled key becomes the answer at each of its positions.
import { roundScore, type ClassificationResult, type Classifier, type ClassifyOptions, type ClassifyOutcome } from '@emo/contracts';
import type { ResultCodec } from './codec/result-codec';
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

/** The texts to compute for `keys` (each key's first position), then the texts that bypass the cache. */
export function inputsOf(call: OwnCall, keys: readonly string[], bypass: readonly number[]): unknown[] {
  return [...keys.map((key) => call.texts[call.positions.get(key)![0]]), ...bypass.map((i) => call.texts[i])];
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
export function asAnswered(result: ClassificationResult, includeScores: boolean, labels: readonly string[]): ClassificationResult {
  const { scores, scoreArray, ...rest } = result;
  if (!includeScores) return scores === undefined && scoreArray === undefined ? result : rest;
  if (scoreArray === undefined) return result;
  const map: Record<string, number> = {};
  for (let j = 0; j < labels.length; j++) map[labels[j]] = roundScore(scoreArray[j]);
  return { ...rest, scores: map };
}

/**
 * The `fill` of one call: a key's settled value (an encoded value, decoded; a computed result, as
 * answered; an ItemError, as is) put at each of the key's positions in `out`. The first position
 * takes the answer itself, the rest copies.
 */
export function positionFiller(
  positions: ReadonlyMap<string, readonly number[]>,
  out: ClassifyOutcome[],
  includeScores: boolean,
  codec: ResultCodec,
  labels: readonly string[],
): (key: string, settled: Settled) => void {
  return (key, settled) => {
    const outcome = Buffer.isBuffer(settled)
      ? codec.decode(settled, includeScores)
      : 'error' in settled
        ? settled
        : asAnswered(settled, includeScores, labels);
    const at = positions.get(key) ?? [];
    for (let n = 0; n < at.length; n++)
      out[at[n]] = !outcome
        ? { error: { code: 'INTERNAL', message: 'cached value failed to decode' } }
        : n === 0
          ? outcome
          : { ...outcome };
  };
}
