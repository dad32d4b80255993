// Streams input records (NDJSON, CSV, TSV) out of a byte stream, one result per input line or
// CSV record, with 1-based line numbers. A bad line becomes an error record; parsing goes on.
import { parse as parseCsv } from 'csv-parse';
import { decodeUtf8Strict } from '../text-input';
import { AppError } from '../app-error';
import type { ErrorCode } from '../error-codes';
import { InvalidUtf8Marker, RecordGuard } from './record-guard';

export type InputFormat = 'ndjson' | 'csv' | 'tsv';

export interface FieldMapping {
  readonly textField: string;
  /** Field or column holding the message id, reported as `id` (default: `id`, see idFieldOf). */
  readonly idField?: string;
  /** Column names for CSV/TSV files without a header row. */
  readonly columns?: readonly string[];
}

/** The field an input's message id is read from when none is named: an input field `id` comes back as `id`. */
export const DEFAULT_ID_FIELD = 'id';

/** The id field of a mapping: the one named, else DEFAULT_ID_FIELD. */
export const idFieldOf = (mapping: { readonly idField?: string }): string => mapping.idField ?? DEFAULT_ID_FIELD;

export interface InputRecord {
  readonly line: number;
  readonly text: unknown;
  readonly id?: string;
  /** Every field except the text field, as read. */
  readonly fields: Record<string, unknown>;
}

export interface InputRecordError {
  readonly line: number;
  readonly id?: string;
  readonly error: { code: ErrorCode; message: string };
}

export type RecordOutcome = InputRecord | InputRecordError;

export const isRecordError = (r: RecordOutcome): r is InputRecordError => 'error' in r;

export function formatFromPath(path: string): InputFormat {
  if (/\.tsv$/i.test(path)) return 'tsv';
  if (/\.csv$/i.test(path)) return 'csv';
  return 'ndjson';
}

export interface ReadOptions {
  /** Longest line (CSV/TSV: record) in bytes; a longer one is dropped while streaming and reported as LINE_TOO_LONG. */
  readonly maxLineBytes?: number;
}

export function readRecords(
  input: AsyncIterable<Uint8Array>,
  format: InputFormat,
  mapping: FieldMapping,
  options: ReadOptions = {},
): AsyncGenerator<RecordOutcome> {
  const maxLineBytes = options.maxLineBytes ?? Number.POSITIVE_INFINITY;
  return format === 'ndjson'
    ? readNdjson(input, mapping, maxLineBytes)
    : readDelimited(input, format === 'tsv' ? '\t' : ',', mapping, maxLineBytes);
}

function toRecord(line: number, obj: Record<string, unknown>, mapping: FieldMapping): RecordOutcome {
  const rawId = obj[idFieldOf(mapping)];
  const id = rawId === undefined || rawId === null ? undefined : String(rawId);
  if (!(mapping.textField in obj) || obj[mapping.textField] === undefined) {
    return { line, id, error: { code: 'FIELD_MISSING', message: `field "${mapping.textField}" is missing` } };
  }
  const { [mapping.textField]: text, ...fields } = obj;
  return { line, text, id, fields };
}

async function* readNdjson(input: AsyncIterable<Uint8Array>, mapping: FieldMapping, maxLineBytes: number): AsyncGenerator<RecordOutcome> {
  let line = 0;
  for await (const bytes of splitLines(input, maxLineBytes)) {
    line++;
    yield bytes instanceof LineTooLong ? { line, error: bytes.error } : parseNdjsonLine(line, bytes, mapping);
  }
}

function parseNdjsonLine(line: number, bytes: Uint8Array, mapping: FieldMapping): RecordOutcome {
  let text: string;
  try {
    text = decodeUtf8Strict(bytes);
  } catch (e) {
    return { line, error: { code: 'TEXT_INVALID_UTF8', message: (e as AppError).message } };
  }
  if (text.trim() === '') return { line, error: { code: 'LINE_MALFORMED', message: 'blank line' } };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { line, error: { code: 'LINE_MALFORMED', message: `invalid JSON: ${(e as Error).message}` } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { line, error: { code: 'LINE_MALFORMED', message: 'line is not a JSON object' } };
  }
  return toRecord(line, value as Record<string, unknown>, mapping);
}

/** A line longer than the limit: its bytes were dropped while streaming (never held whole). */
export class LineTooLong {
  constructor(
    /** Bytes of the line (without its newline). */
    readonly bytes: number,
    readonly limit: number,
  ) {}

  get error(): { code: 'LINE_TOO_LONG'; message: string } {
    return { code: 'LINE_TOO_LONG', message: `line has ${this.bytes} bytes or more; the limit is ${this.limit} (BACKFILL_MAX_LINE_BYTES)` };
  }
}

/**
 * Splits a byte stream on \n (dropping a trailing \r), without decoding: bad bytes stay per line.
 * Linear time: each chunk is searched once from where the last search stopped, the pieces of a line
 * that spans chunks are kept aside and joined once. A line over `maxLineBytes` is dropped as it
 * streams (held bytes never exceed the limit) and comes out as a LineTooLong.
 */
export async function* splitLines(
  input: AsyncIterable<Uint8Array>,
  maxLineBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<Uint8Array | LineTooLong> {
  let parts: Uint8Array[] = [];
  let held = 0;
  /** Bytes of the line being dropped; -1 when not dropping. */
  let dropped = -1;
  for await (const chunk of input) {
    let start = 0;
    while (start <= chunk.length) {
      const nl = start < chunk.length ? chunk.indexOf(10, start) : -1;
      const end = nl === -1 ? chunk.length : nl;
      const piece = end - start;
      if (dropped >= 0) dropped += piece;
      else if (held + piece > maxLineBytes) {
        dropped = held + piece;
        parts = [];
        held = 0;
      } else if (nl === -1) {
        // The line goes on in the next chunk: keep a copy of this piece (not the whole chunk).
        if (piece > 0) {
          parts.push(copyOf(chunk, start, end));
          held += piece;
        }
      }
      if (nl === -1) break;
      if (dropped >= 0) {
        yield new LineTooLong(dropped, maxLineBytes);
        dropped = -1;
      } else {
        yield trimCr(parts.length === 0 ? chunk.subarray(start, nl) : join(parts, held, chunk.subarray(start, nl)));
        parts = [];
        held = 0;
      }
      start = nl + 1;
    }
  }
  if (dropped >= 0) yield new LineTooLong(dropped, maxLineBytes);
  else if (held > 0) yield trimCr(join(parts, held));
}

const trimCr = (b: Uint8Array) => (b.length > 0 && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b);

function copyOf(chunk: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(chunk.subarray(start, end), 0);
  return out;
}

function join(parts: readonly Uint8Array[], held: number, last?: Uint8Array): Uint8Array {
  const out = new Uint8Array(held + (last?.length ?? 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  if (last) out.set(last, at);
  return out;
}

async function* readDelimited(
  input: AsyncIterable<Uint8Array>,
  delimiter: string,
  mapping: FieldMapping,
  maxLineBytes: number,
): AsyncGenerator<RecordOutcome> {
  const quoted = delimiter !== '\t';
  const parser = parseCsv({
    delimiter,
    columns: mapping.columns ? [...mapping.columns] : true,
    relax_column_count: true,
    relax_quotes: !quoted,
    quote: quoted ? '"' : false,
    skip_records_with_error: true,
    skip_empty_lines: false,
    info: true,
    bom: true,
  });
  // Records over the limit never reach the parser (it would buffer them whole): a sentinel line stands in.
  const guard = Number.isFinite(maxLineBytes) ? new RecordGuard(maxLineBytes, quoted, mapping.columns === undefined) : undefined;
  const inputLine = (parserLine: number) => guard?.inputLine(parserLine) ?? parserLine;
  const skipped: RecordOutcome[] = [];
  parser.on('skip', (err: Error & { lines?: number }) => {
    skipped.push({ line: inputLine(err.lines ?? 0), error: { code: 'LINE_MALFORMED', message: err.message } });
  });
  // Invalid UTF-8 is marked on the bytes (the parser would decode it to U+FFFD like a genuine one).
  const utf8 = new InvalidUtf8Marker();
  const write = async (pieces: readonly Uint8Array[]) => {
    for (const bytes of pieces) if (!parser.write(bytes)) await new Promise((r) => parser.once('drain', r));
  };
  const feed = (async () => {
    try {
      for await (const chunk of input) {
        for (const bytes of guard ? guard.push(chunk) : [chunk]) await write(utf8.push(bytes));
      }
      if (guard) for (const bytes of guard.end()) await write(utf8.push(bytes));
      await write(utf8.end());
      parser.end();
    } catch (e) {
      parser.destroy(e as Error);
    }
  })();
  for await (const item of parser as AsyncIterable<{
    record: Record<string, unknown>;
    info: { lines: number; invalid_field_length: number };
  }>) {
    while (skipped.length > 0) yield skipped.shift() as RecordOutcome;
    const values = Object.values(item.record);
    const dropped = guard?.dropped(values[0]);
    if (dropped) {
      yield { line: dropped.line, error: new LineTooLong(dropped.bytes, maxLineBytes).error };
      continue;
    }
    const line = inputLine(item.info.lines);
    if (utf8.seen && values.some((v) => typeof v === 'string' && v.includes(utf8.marker))) {
      yield { line, error: { code: 'TEXT_INVALID_UTF8', message: 'Record is not valid UTF-8' } };
      continue;
    }
    if (values.length === 1 && values[0] === '') {
      yield { line, error: { code: 'LINE_MALFORMED', message: 'blank line' } };
      continue;
    }
    yield toRecord(line, item.record, mapping);
  }
  while (skipped.length > 0) yield skipped.shift() as RecordOutcome;
  await feed;
}
