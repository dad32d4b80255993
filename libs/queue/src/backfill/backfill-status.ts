// A backfill's status from its meta hash (pure): counts over input lines, rate and ETA.
import { jobState, type JobMeta } from '../job-status';
import type { BackfillState, BackfillStatus } from './backfill.types';

const num = (v: string | undefined): number => (v === undefined ? 0 : Number(v));
const iso = (ms: string | undefined): string | undefined => (ms === undefined ? undefined : new Date(Number(ms)).toISOString());

export function backfillState(meta: JobMeta): BackfillState {
  const state = jobState(meta);
  if (state === 'completed' || state === 'cancelled' || state === 'cancelling') return state;
  return meta.upload_complete === undefined && meta.sealed_at === undefined ? 'uploading' : state;
}

export function backfillStatusFromMeta(meta: JobMeta, now: number = Date.now()): BackfillStatus {
  const sealed = meta.sealed_at !== undefined;
  // Lines rejected at input count as done and failed; the workers count texts.
  const inputErrors = sealed ? num(meta.input_errors) : num(meta.ingest_errors);
  const texts = num(meta.done);
  const done = texts + inputErrors;
  const failed = num(meta.failed) + inputErrors;
  const total = sealed ? num(meta.total) : null;
  const started = meta.started_at === undefined ? undefined : num(meta.started_at);
  const end = meta.finished_at === undefined ? now : num(meta.finished_at);
  const seconds = started === undefined ? 0 : Math.max(0.001, (end - started) / 1000);
  const rate = seconds > 0 ? texts / seconds : 0;
  const eta = total === null || rate <= 0 ? null : meta.finished_at !== undefined ? 0 : Math.max(0, Math.round((total - done) / rate));
  return {
    backfill_id: meta.backfill_id,
    state: backfillState(meta),
    upload: { lines: num(meta.uploaded_lines), complete: meta.upload_complete !== undefined, attempts: num(meta.uploads) },
    total,
    done,
    succeeded: done - failed,
    failed,
    chunks: { total: sealed ? num(meta.chunks) : null, done: num(meta.chunks_done), size: num(meta.chunk_size) },
    rate_texts_per_s: Math.round(rate * 10) / 10,
    eta_s: eta,
    ...(meta.model ? { model: meta.model } : {}),
    created_at: iso(meta.created_at) as string,
    ...(started === undefined ? {} : { started_at: iso(meta.started_at) }),
    ...(meta.finished_at === undefined ? {} : { finished_at: iso(meta.finished_at) }),
  };
}
