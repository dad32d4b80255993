import { describe, expect, it } from 'vitest';
import { decodeJobRecord } from './job-record';
import { jobState, jobStatusFromRecord } from './job-status';

const base = {
  id: 'j1',
  priority: 'bulk',
  total: '130',
  chunks: '3',
  chunk_size: '64',
  created_at: '1000',
  done: '0',
  failed: '0',
  cancelled: '0',
  chunks_done: '0',
};
const record = (hash: Record<string, string>) => decodeJobRecord(hash)!;

describe(jobStatusFromRecord.name, () => {
  it('reports a queued job with no timings but the creation time', () => {
    const sut = jobStatusFromRecord(record(base));
    expect(sut).toMatchObject({ job_id: 'j1', state: 'queued', total: 130, done: 0, chunks: { total: 3, done: 0, size: 64 } });
    expect(sut.created_at).toBe(new Date(1000).toISOString());
    expect(sut.timings).toEqual({});
  });

  it('derives succeeded and the timings of a finished job', () => {
    const sut = jobStatusFromRecord(
      record({ ...base, started_at: '1500', finished_at: '4000', done: '130', failed: '2', chunks_done: '3', model: 'm@1' }),
    );
    expect(sut).toMatchObject({ state: 'completed', done: 130, succeeded: 128, failed: 2, model: 'm@1' });
    expect(sut.timings).toEqual({ queued_ms: 500, run_ms: 2500, total_ms: 3000 });
  });
});

describe(jobState.name, () => {
  it('tells cancelling from cancelled', () => {
    expect(jobState(record({ ...base, started_at: '1', cancelled_at: '2' }))).toBe('cancelling');
    expect(jobState(record({ ...base, cancelled_at: '2', finished_at: '3' }))).toBe('cancelled');
    expect(jobState(record({ ...base, started_at: '1' }))).toBe('running');
  });
});
