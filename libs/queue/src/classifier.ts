// The seam between the fleet and whatever answers texts. The worker hands chunks to a Classifier
// (the InferenceEngine, later a cache in front of it); the API answers /v1/classify through one
// (the FleetClassifier, later a cache in front of it). Nothing here knows which.
import type { ClassificationResult, ItemError } from '@emo/contracts';
import type { Priority } from './fleet-job.types';

export type ClassifyOutcome = ClassificationResult | ItemError;

export interface ClassifierOptions {
  readonly priority?: Priority;
  readonly includeScores?: boolean;
  /** Absolute time (ms since epoch) by which the caller needs the answer. */
  readonly deadlineAt?: number;
  /** Fleet job id: with tracing on, the stages of this call are kept as spans of that job. */
  readonly traceId?: string;
}

export interface Classifier {
  /** One outcome per text, in input order; bad texts get an ItemError in their place. */
  classify(texts: readonly string[], options?: ClassifierOptions): Promise<ClassifyOutcome[]>;
}

export function isItemError(outcome: ClassifyOutcome): outcome is ItemError {
  return 'error' in outcome;
}
