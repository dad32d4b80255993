// A backfill's status from its record (pure): counts over input lines, rate (texts per second of
// wall time since the first chunk started, over at least MIN_RATE_SECONDS) and ETA.
import type { JobRecord } from '../job-record';
import { jobState } from '../job-status';
import type { BackfillState, BackfillStatus } from './backfill.types';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The least elapsed time the rate is computed over. */
export const MIN_RATE_SECONDS = 1;

export function backfillState(record: JobRecord): BackfillState {
  const state = jobState(record);
  if (state === 'completed' || state === 'cancelled' || state === 'cancelling') return state;
  return !record.uploadComplete && record.sealedAt === undefined ? 'uploading' : state;
}

export function backfillStatusFromRecord(record: JobRecord, now: number = Date.now()): BackfillStatus {
  const sealed = record.sealedAt !== undefined;
  // Lines rejected at input count as done and failed; the workers count texts.
  const inputErrors = sealed ? (record.inputErrors ?? 0) : record.ingestErrors;
  const texts = record.done;
  const done = texts + inputErrors;
  const failed = record.failed + inputErrors;
  const total = sealed ? (record.total ?? 0) : null;
  const started = record.startedAt;
  const end = record.finishedAt ?? now;
  // Never over less than MIN_RATE_SECONDS: a one-chunk backfill of cached texts ran for ~1 ms
  // between the worker's start stamp and the finish (42 lines read 42 000 texts/s), and the two
  // stamps may come from two machines' clocks.
  const seconds = started === undefined ? 0 : Math.max(MIN_RATE_SECONDS, (end - started) / 1000);
  const rate = seconds > 0 ? texts / seconds : 0;
  const eta = total === null || rate <= 0 ? null : record.finishedAt !== undefined ? 0 : Math.max(0, Math.round((total - done) / rate));
  return {
    backfill_id: record.backfillId as string,
    state: backfillState(record),
    upload: { lines: record.uploadedLines, complete: record.uploadComplete, attempts: record.uploads },
    total,
    done,
    succeeded: done - failed,
    failed,
    chunks: { total: sealed ? (record.chunks ?? 0) : null, done: record.chunksDone, size: record.chunkSize },
    rate_texts_per_s: Math.round(rate * 10) / 10,
    eta_s: eta,
    ...(record.model ? { model: record.model } : {}),
    created_at: iso(record.createdAt),
    ...(started === undefined ? {} : { started_at: iso(started) }),
    ...(record.finishedAt === undefined ? {} : { finished_at: iso(record.finishedAt) }),
  };
}
