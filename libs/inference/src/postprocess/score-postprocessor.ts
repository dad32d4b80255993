// Logits → scores → labels: sigmoid for multi-label models, softmax otherwise; per-label
// thresholds; labels above threshold sorted by score.
import { roundScore, type ClassificationResult, type LabelScore } from '@emo/contracts';
import type { ProblemType } from '@emo/model';

export interface PostprocessSpec {
  readonly labels: readonly string[];
  readonly problemType: ProblemType;
  readonly thresholds: Float32Array;
  readonly modelId: string;
}

/** Scores of row `row` of a [batch, labels] logits matrix. */
export function scoresFromLogits(logits: Float32Array, row: number, numLabels: number, problemType: ProblemType): Float32Array {
  const out = new Float32Array(numLabels);
  const offset = row * numLabels;
  if (problemType === 'multi_label_classification') {
    for (let j = 0; j < numLabels; j++) out[j] = 1 / (1 + Math.exp(-logits[offset + j]));
    return out;
  }
  let max = -Infinity;
  for (let j = 0; j < numLabels; j++) max = Math.max(max, logits[offset + j]);
  let sum = 0;
  for (let j = 0; j < numLabels; j++) {
    out[j] = Math.exp(logits[offset + j] - max);
    sum += out[j];
  }
  for (let j = 0; j < numLabels; j++) out[j] /= sum;
  return out;
}

export function toResult(scores: Float32Array, spec: PostprocessSpec, includeScores: boolean): ClassificationResult {
  const labels: LabelScore[] = [];
  if (spec.problemType === 'multi_label_classification') {
    for (let j = 0; j < scores.length; j++) {
      if (scores[j] >= spec.thresholds[j]) labels.push({ label: spec.labels[j], score: roundScore(scores[j]) });
    }
    labels.sort((a, b) => b.score - a.score);
  } else {
    let best = 0;
    for (let j = 1; j < scores.length; j++) if (scores[j] > scores[best]) best = j;
    if (scores[best] >= spec.thresholds[best]) labels.push({ label: spec.labels[best], score: roundScore(scores[best]) });
  }
  const result: ClassificationResult = { labels, model: spec.modelId };
  if (includeScores) {
    // Filled in label order, so every result's map shares one hidden class (no per-label entry arrays).
    const map: Record<string, number> = {};
    for (let j = 0; j < spec.labels.length; j++) map[spec.labels[j]] = roundScore(scores[j]);
    result.scores = map;
  }
  return result;
}
