// Building the NDJSON result lines of one chunk: every item gets exactly one line, in input order,
// carrying its id. A chunk's lines are stored as one string (lines joined by "\n").
import { AppError } from '@emo/contracts';
import { isItemError, type ClassifyOutcome } from '@emo/contracts';
import type { JobItem, ResultLine } from './fleet-job.types';

export interface ChunkLines {
  readonly payload: string;
  readonly failed: number;
  readonly cancelled: number;
}

export function outcomeLines(items: readonly JobItem[], outcomes: readonly ClassifyOutcome[]): ChunkLines {
  if (outcomes.length !== items.length) {
    throw new AppError('INTERNAL', `classifier returned ${outcomes.length} outcomes for ${items.length} texts`);
  }
  let failed = 0;
  const lines = items.map((item, i) => {
    const outcome = outcomes[i];
    if (isItemError(outcome)) failed++;
    return JSON.stringify(withId(item, outcome));
  });
  return { payload: lines.join('\n'), failed, cancelled: 0 };
}

/** Every item of the chunk fails with the same error (a chunk that could not be classified). */
export function errorLines(items: readonly JobItem[], error: AppError): ChunkLines {
  const line = { error: { code: error.code, message: error.message } };
  const payload = items.map((item) => JSON.stringify(withId(item, line))).join('\n');
  const cancelled = error.code === 'JOB_CANCELLED' ? items.length : 0;
  return { payload, failed: items.length - cancelled, cancelled };
}

export function cancelledLines(items: readonly JobItem[]): ChunkLines {
  return errorLines(items, new AppError('JOB_CANCELLED'));
}

export function splitPayload(payload: string): string[] {
  return payload.length === 0 ? [] : payload.split('\n');
}

function withId(item: JobItem, outcome: ClassifyOutcome): ResultLine {
  return item.id === undefined ? outcome : ({ id: item.id, ...outcome } as ResultLine);
}
