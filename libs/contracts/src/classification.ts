// THE classifier contract, shared by the engine, the cache, the queue, the API and the CLI: what
// one text's answer looks like (a result, or an ItemError with a registry code in its place), the
// per-call options, and the one interface every classifier implements (the InferenceEngine, a
// cache in front of a classifier, the FleetClassifier behind /v1/classify).
import type { ErrorCode } from './error-codes';
import type { CoarseTaxonomy, Taxonomy } from './taxonomy/taxonomies';

export interface LabelScore {
  readonly label: string;
  readonly score: number;
}

export interface ClassificationResult {
  id?: string;
  labels: LabelScore[];
  scores?: Record<string, number>;
  model: string;
  truncated?: boolean;
  /** Set on a coarse view only (ekman, sentiment): its labels and scores are that taxonomy's groups. */
  taxonomy?: CoarseTaxonomy;
  /**
   * Every score in label order, unrounded, in place of `scores`: only on results of a call with
   * `scoreArray` (the result cache encodes from it and never passes it on).
   */
  scoreArray?: Float32Array;
}

/** A score as answered (labels, score maps): 6 decimals. The engine rounds so, and so does every path that rebuilds a map from raw scores. */
export const roundScore = (x: number): number => Math.round(x * 1e6) / 1e6;

/** A per-item failure: the item keeps its place in the output, with a stable code from the registry. */
export interface ItemError {
  id?: string;
  line?: number;
  error: { code: ErrorCode; message: string };
}

/** One text's answer: a result, or the text's own error in its place. */
export type ClassifyOutcome = ClassificationResult | ItemError;

export type Priority = 'interactive' | 'bulk';

/** Whose bulk texts these are: tenants with bulk texts waiting are served in proportion to their weights (ADR 014). */
export interface BulkShare {
  readonly tenant: string;
  /** Tenant.limits.weight (> 0). */
  readonly weight: number;
}

/** Per-call options; every classifier honours what applies to it and ignores the rest. */
export interface ClassifyOptions {
  /** Include the full score map (default: INCLUDE_SCORES). */
  readonly includeScores?: boolean;
  /**
   * With includeScores, a classifier that has them as an array may answer `scoreArray` instead of the
   * `scores` map (the result cache asks: it encodes from the array and builds a map only for a caller
   * that wants one, so a bulk text costs no 28-key object). Others ignore it.
   */
  readonly scoreArray?: boolean;
  /** Default `bulk`; `interactive` texts go first (bulk ages, so it never starves). */
  readonly priority?: Priority;
  /** Absolute time (ms since epoch) after which an item fails with DEADLINE_EXCEEDED. */
  readonly deadlineAt?: number;
  /** Fleet job id: with tracing on, this call's stages are kept as spans of that job. */
  readonly traceId?: string;
  /**
   * The caller already looked these texts up in the shared result cache (L2) and missed (the API
   * before it enqueues a /v1/classify call): a cache in front of this classifier checks only its
   * own L1 before computing, so a text costs one L2 lookup per request path, not two.
   */
  readonly cacheChecked?: boolean;
  /**
   * Store what is computed in the result cache even where CACHE_BULK_ADMISSION=second-hit would not
   * store a bulk text seen for the first time (cache warming: storing is the point).
   */
  readonly cacheAdmit?: boolean;
  /** Bulk texts only: the tenant and weight the engine shares its bulk capacity by (none: one shared lane, arrival order). */
  readonly share?: BulkShare;
  /**
   * Which labels to answer in (default goemotions: the model's own). A coarse view is derived from
   * the fine result (taxonomy-view.ts); a result cache keeps the fine result and derives after it.
   */
  readonly taxonomy?: Taxonomy;
}

export interface Classifier {
  /** One outcome per text, in input order; bad texts get an ItemError in their place. */
  classify(texts: readonly unknown[], options?: ClassifyOptions): Promise<ClassifyOutcome[]>;
}

export function isItemError(outcome: ClassifyOutcome): outcome is ItemError {
  return 'error' in outcome;
}
