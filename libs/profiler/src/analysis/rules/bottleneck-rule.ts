// One row of the bottleneck rule table: a recommendation code, its severity, a pure condition over
// the report draft, the fields that condition reads (its evidence), the text it says, the setting
// to turn, and why the condition means that advice.
import type { Severity } from '../profile-report';
import type { EvidenceField, ReportDraft } from './report-facts';
import type { ThresholdName } from './thresholds';

export type RecommendationCode =
  | 'ADD_WORKERS'
  | 'RAISE_WORKER_CONCURRENCY'
  | 'CHECK_WORKERS'
  | 'WARM_CACHE'
  | 'ADD_CPU'
  | 'RAISE_BATCH_BUDGET'
  | 'MODEL_BOUND'
  | 'SLOW_MODEL'
  | 'BATCH_WAIT'
  | 'SLOW_CACHE'
  | 'SLOW_QUEUE_REDIS'
  | 'LARGE_REQUESTS'
  | 'BACKLOG_GROWING'
  | 'GPU_MEMORY_FULL'
  | 'P95_OVER_TARGET'
  | 'ERRORS'
  | 'PADDING_WASTE'
  | 'HEALTHY';

export interface BottleneckRule {
  readonly code: RecommendationCode;
  readonly severity: Severity;
  /** The condition in words, naming its thresholds (the docs' "when" column). */
  readonly when: string;
  readonly thresholds: readonly ThresholdName[];
  readonly evidence: readonly EvidenceField[];
  /** Pure: holds for this draft or not. */
  readonly condition: (r: ReportDraft) => boolean;
  /** What the recommendation says: {name} placeholders are filled from the draft (see messageVars). */
  readonly says: string;
  readonly setting?: string;
  readonly why: string;
}
