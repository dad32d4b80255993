// The stages one text goes through, in path order, and the labels every stage metric carries.
// Names are part of the metrics (label `stage`), the profile report and the dashboards.

export const STAGES = [
  'validation',
  'enqueue',
  'queue_wait',
  'l1',
  'l2',
  'tokenization',
  'batch_wait',
  'inference',
  'postprocess',
  'result_write',
] as const;

export type Stage = (typeof STAGES)[number];

/** Metric labels of a stage observation; missing ones are reported as "none". */
export interface StageLabels {
  readonly model?: string;
  readonly queue?: string;
  readonly priority?: string;
}

export interface ObserveOptions {
  readonly labels?: StageLabels;
  /** Texts the timed operation covered (a batch, a chunk); percentiles are per text. Default 1. */
  readonly count?: number;
  /** Job id: with tracing on, the span is kept for GET /v1/jobs/{id}/trace. */
  readonly traceId?: string;
}

/** The seam other modules call: a few lines per timed site. */
export interface StageTimer {
  /** Records `ms` spent in `stage`. */
  observe(stage: Stage, ms: number, options?: ObserveOptions): void;
  /** Starts a timer; call the returned function when the stage ends (optionally with its final count). */
  start(stage: Stage, options?: ObserveOptions): (count?: number) => void;
  /** Times `fn` (sync or async) as `stage`; errors still record the time and are rethrown. */
  time<T>(stage: Stage, fn: () => T, options?: ObserveOptions): T;
}

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}
