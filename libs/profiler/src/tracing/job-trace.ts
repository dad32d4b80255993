// The trace of one job as GET /v1/jobs/{id}/trace returns it: its spans, and per stage how many
// spans, their total time and the texts they covered. Stages run per chunk and per call, often
// concurrently, so a stage's total is time spent by operations, not wall time of the job.
import type { Stage } from '../stages/stages';
import type { SpanRecord } from './span-record';

export interface StageTotals {
  readonly spans: number;
  /** Sum of the spans' ms, rounded to the µs. */
  readonly total_ms: number;
  readonly texts: number;
}

export interface JobTrace {
  readonly job_id: string;
  /** TRACING_ENABLED in the process that answers: off, a job has no spans. */
  readonly tracing: boolean;
  readonly stages: Partial<Record<Stage, StageTotals>>;
  readonly spans: readonly SpanRecord[];
}

/** Per-stage totals of a job's spans (stages in the order their first span came). */
export function summarizeTrace(jobId: string, spans: readonly SpanRecord[], tracing: boolean): JobTrace {
  const stages: Partial<Record<Stage, { spans: number; total_ms: number; texts: number }>> = {};
  for (const s of spans) {
    const row = (stages[s.stage] ??= { spans: 0, total_ms: 0, texts: 0 });
    row.spans++;
    // Rounded at each step so the total reads as the µs figures the spans show.
    row.total_ms = Math.round((row.total_ms + s.ms) * 1000) / 1000;
    row.texts += s.count;
  }
  return { job_id: jobId, tracing, stages, spans };
}
