import { describe, expect, it } from 'vitest';
import type { SpanRecord } from './span-record';
import { summarizeTrace } from './job-trace';

const span = (stage: SpanRecord['stage'], ms: number, count: number, start = 0): SpanRecord => ({
  stage,
  start,
  ms,
  count,
  source: 'worker:h:1',
});

describe('summarizeTrace', () => {
  it('totals the spans, time and texts of each stage of a job', () => {
    const spans = [
      span('queue_wait', 12.5, 64),
      span('inference', 30.25, 64, 1),
      span('queue_wait', 7.5, 36, 2),
      span('inference', 19.75, 36, 3),
      span('result_write', 1, 64, 4),
    ];
    const sut = summarizeTrace('job-1', spans, true);
    expect(sut).toEqual({
      job_id: 'job-1',
      tracing: true,
      stages: {
        queue_wait: { spans: 2, total_ms: 20, texts: 100 },
        inference: { spans: 2, total_ms: 50, texts: 100 },
        result_write: { spans: 1, total_ms: 1, texts: 64 },
      },
      spans,
    });
  });

  it('keeps totals to the µs, without float residue', () => {
    const sut = summarizeTrace('job-1', [span('l1', 0.1, 1), span('l1', 0.2, 1), span('l1', 0.0004, 1)], true);
    expect(sut.stages.l1?.total_ms).toBe(0.3);
  });

  it('answers no stages for a job without spans (tracing off, or the job was not traced)', () => {
    expect(summarizeTrace('job-2', [], false)).toEqual({ job_id: 'job-2', tracing: false, stages: {}, spans: [] });
  });
});
