// Reading a backfill back: output lines in input order from a line offset (up to the first
// chunk not stored yet, like job results), the error lines only, and label roll-ups per value of
// a passthrough field (conversation, user). Pages of chunks are read in one round trip each, so
// memory stays bounded whatever the backfill's size.
import { AppError } from '@emo/contracts';
import type { JobRecord } from '../job-record';
import { locateOffset } from '../chunking';
import { mergeChunkLines, type OutputLine } from './backfill-lines';
import { backfillState } from './backfill-status';
import type { BackfillStore } from './backfill-store';

/** Chunks read per round trip. */
const PAGE_CHUNKS = 16;

/** Names `by` may not take: the fields of a roll-up row, and names JavaScript objects inherit. */
export const RESERVED_ROLLUP_FIELDS: ReadonlySet<string> = new Set([
  'messages',
  'errors',
  'labels',
  '__proto__',
  'constructor',
  'prototype',
]);

export function checkRollupField(by: string): string {
  if (RESERVED_ROLLUP_FIELDS.has(by)) {
    throw new AppError(
      'REQUEST_INVALID',
      `by=${by} is a reserved name (${[...RESERVED_ROLLUP_FIELDS].join(', ')}); roll up by a passthrough field or id`,
    );
  }
  return by;
}

export interface RollupRow {
  readonly key: string;
  messages: number;
  errors: number;
  readonly labels: Record<string, number>;
}

export class BackfillReader {
  constructor(private readonly store: BackfillStore) {}

  /**
   * Output lines from input line `offset` (0-based count of lines to skip). A running backfill's
   * lines end at its first chunk not stored; a completed one missing a chunk fails
   * (BACKFILL_RESULTS_MISSING): its reader must never take a short read for the whole.
   */
  async *lines(record: JobRecord, offset = 0): AsyncGenerator<OutputLine> {
    let { chunk, skip } = locateOffset(offset, record.chunkSize);
    // Sealed: the chunk count is known; before that, read until the first chunk not stored.
    const last = record.chunks ?? Number.MAX_SAFE_INTEGER;
    const completed = backfillState(record) === 'completed';
    while (chunk < last) {
      const pairs = await this.store.readChunks(record.id, chunk, Math.min(PAGE_CHUNKS, last - chunk));
      for (const pair of pairs) {
        if (pair.inputs === null || pair.results === null) {
          if (!completed) return;
          const missing = pair.inputs === null ? 'inputs' : 'results';
          throw new AppError('BACKFILL_RESULTS_MISSING', `Chunk ${pair.index} of backfill ${record.backfillId} has no stored ${missing}`);
        }
        const lines = mergeChunkLines(pair.inputs, pair.results);
        for (let i = skip; i < lines.length; i++) yield lines[i];
        skip = 0;
        chunk++;
      }
    }
  }

  async *errors(record: JobRecord): AsyncGenerator<OutputLine> {
    for await (const line of this.lines(record)) if (line.error) yield line;
  }

  /** Label counts per value of passthrough field `by` (one row per value, in first-seen order). */
  async rollup(record: JobRecord, by: string): Promise<RollupRow[]> {
    checkRollupField(by);
    const rows = new Map<string, RollupRow>();
    for await (const line of this.lines(record)) {
      const fields = line.entry[2] ? (JSON.parse(`{${line.entry[2]}}`) as Record<string, unknown>) : {};
      // Own fields only: `by` names a field of the input, never something inherited (__proto__, toString).
      const value = by === 'id' ? line.entry[1] : Object.hasOwn(fields, by) ? fields[by] : undefined;
      if (value === undefined || value === null) continue;
      const key = String(value);
      let row = rows.get(key);
      if (!row) {
        row = { key, messages: 0, errors: 0, labels: Object.create(null) as Record<string, number> };
        rows.set(key, row);
      }
      row.messages++;
      if (line.error) {
        row.errors++;
        continue;
      }
      for (const l of (JSON.parse(line.result) as { labels: { label: string }[] }).labels)
        row.labels[l.label] = (row.labels[l.label] ?? 0) + 1;
    }
    return [...rows.values()];
  }
}
