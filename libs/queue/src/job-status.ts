// A fleet job's status, derived from its meta hash (pure: no Redis here).
import type { JobState, JobStatus, Priority } from './fleet-job.types';

export type JobMeta = Readonly<Record<string, string>>;

const num = (v: string | undefined): number => (v === undefined ? 0 : Number(v));
const iso = (ms: string | undefined): string | undefined => (ms === undefined ? undefined : new Date(Number(ms)).toISOString());

export function jobState(meta: JobMeta): JobState {
  if (meta.finished_at !== undefined) return meta.cancelled_at !== undefined ? 'cancelled' : 'completed';
  if (meta.cancelled_at !== undefined) return 'cancelling';
  return meta.started_at !== undefined ? 'running' : 'queued';
}

export function isFinished(meta: JobMeta): boolean {
  return meta.finished_at !== undefined;
}

export function jobStatusFromMeta(meta: JobMeta): JobStatus {
  const done = num(meta.done);
  const failed = num(meta.failed);
  const cancelled = num(meta.cancelled);
  const created = num(meta.created_at);
  const started = meta.started_at === undefined ? undefined : num(meta.started_at);
  const finished = meta.finished_at === undefined ? undefined : num(meta.finished_at);
  return {
    job_id: meta.id,
    state: jobState(meta),
    priority: meta.priority as Priority,
    total: num(meta.total),
    done,
    succeeded: done - failed - cancelled,
    failed,
    cancelled,
    chunks: { total: num(meta.chunks), done: num(meta.chunks_done), size: num(meta.chunk_size) },
    ...(meta.model ? { model: meta.model } : {}),
    created_at: iso(meta.created_at) as string,
    ...(started === undefined ? {} : { started_at: iso(meta.started_at) }),
    ...(finished === undefined ? {} : { finished_at: iso(meta.finished_at) }),
    timings: {
      ...(started === undefined ? {} : { queued_ms: started - created }),
      ...(started === undefined || finished === undefined ? {} : { run_ms: finished - started }),
      ...(finished === undefined ? {} : { total_ms: finished - created }),
    },
  };
}
