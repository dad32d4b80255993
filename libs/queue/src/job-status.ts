// A fleet job's status, derived from its record (pure: no Redis here).
import type { JobState, JobStatus } from './fleet-job.types';
import type { JobRecord } from './job-record';

const iso = (ms: number): string => new Date(ms).toISOString();

export function jobState(record: JobRecord): JobState {
  if (record.finishedAt !== undefined) return record.cancelledAt !== undefined ? 'cancelled' : 'completed';
  if (record.cancelledAt !== undefined) return 'cancelling';
  return record.startedAt !== undefined ? 'running' : 'queued';
}

export function isFinished(record: JobRecord): boolean {
  return record.finishedAt !== undefined;
}

export function jobStatusFromRecord(record: JobRecord): JobStatus {
  const { done, failed, cancelled, createdAt: created, startedAt: started, finishedAt: finished } = record;
  return {
    job_id: record.id,
    state: jobState(record),
    priority: record.priority,
    total: record.total ?? 0,
    done,
    succeeded: done - failed - cancelled,
    failed,
    cancelled,
    chunks: { total: record.chunks ?? 0, done: record.chunksDone, size: record.chunkSize },
    ...(record.model ? { model: record.model } : {}),
    created_at: iso(created),
    ...(started === undefined ? {} : { started_at: iso(started) }),
    ...(finished === undefined ? {} : { finished_at: iso(finished) }),
    timings: {
      ...(started === undefined ? {} : { queued_ms: started - created }),
      ...(started === undefined || finished === undefined ? {} : { run_ms: finished - started }),
      ...(finished === undefined ? {} : { total_ms: finished - created }),
    },
  };
}
