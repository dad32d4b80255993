// The accuracy gate of `emo quantize`: the variant's answers compared with the float32 model's on
// the same texts (label-set agreement, score differences) and against the gold labels (macro-F1
// delta), then checked against the configured thresholds.
import { multilabelMetrics } from '@emo/inference';

export interface ModelAnswers {
  /** Predicted label index set per text (after the bundle's thresholds). */
  readonly labelSets: readonly ReadonlySet<number>[];
  /** Scores per text, in label order. */
  readonly scores: readonly ArrayLike<number>[];
}

export interface VariantComparison {
  readonly n: number;
  /** Share of texts whose predicted label set is identical. */
  readonly label_agreement: number;
  readonly max_score_diff: number;
  readonly mean_abs_score_diff: number;
  readonly macro_f1_original: number;
  readonly macro_f1_variant: number;
  /** variant − original (negative = the variant is worse). */
  readonly macro_f1_delta: number;
}

export interface GateThresholds {
  readonly minLabelAgreement: number;
  readonly maxMacroF1Drop: number;
  readonly maxScoreDiff: number;
}

export function compareVariants(
  labels: readonly string[],
  gold: readonly ReadonlySet<number>[],
  original: ModelAnswers,
  variant: ModelAnswers,
): VariantComparison {
  const n = gold.length;
  let agree = 0;
  let maxDiff = 0;
  let sumDiff = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (sameSet(original.labelSets[i], variant.labelSets[i])) agree++;
    const a = original.scores[i];
    const b = variant.scores[i];
    for (let j = 0; j < labels.length; j++) {
      const d = Math.abs(a[j] - b[j]);
      // NaN scores must fail the gate, not slip through Math.max.
      maxDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxDiff, d);
      sumDiff += d;
      count++;
    }
  }
  const f1o = multilabelMetrics(labels, gold, original.labelSets).macro_f1;
  const f1v = multilabelMetrics(labels, gold, variant.labelSets).macro_f1;
  return {
    n,
    label_agreement: n === 0 ? 0 : agree / n,
    max_score_diff: maxDiff,
    mean_abs_score_diff: count === 0 ? 0 : sumDiff / count,
    macro_f1_original: f1o,
    macro_f1_variant: f1v,
    macro_f1_delta: f1v - f1o,
  };
}

/** Human-readable reasons the variant fails the gate; empty when it passes. */
export function gateFailures(c: VariantComparison, t: GateThresholds): string[] {
  const failures: string[] = [];
  if (c.n === 0) failures.push('no texts to evaluate');
  if (c.label_agreement < t.minLabelAgreement)
    failures.push(`label-set agreement ${c.label_agreement.toFixed(4)} < ${t.minLabelAgreement}`);
  if (-c.macro_f1_delta > t.maxMacroF1Drop) failures.push(`macro-F1 drop ${(-c.macro_f1_delta).toFixed(4)} > ${t.maxMacroF1Drop}`);
  if (!(c.max_score_diff <= t.maxScoreDiff)) failures.push(`max score difference ${c.max_score_diff.toFixed(4)} > ${t.maxScoreDiff}`);
  return failures;
}

function sameSet(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
