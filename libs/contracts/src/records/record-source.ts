// Streams input records (NDJSON, CSV, TSV) out of a byte stream, one result per input line or
// CSV record, with 1-based line numbers. A bad line becomes an error record; parsing goes on.
import { parse as parseCsv } from 'csv-parse';
import { decodeUtf8Strict } from '../text-input';
import { AppError } from '../app-error';

export type InputFormat = 'ndjson' | 'csv' | 'tsv';

export interface FieldMapping {
  readonly textField: string;
  readonly idField?: string;
  /** Column names for CSV/TSV files without a header row. */
  readonly columns?: readonly string[];
}

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
  readonly error: { code: string; message: string };
}

export type RecordOutcome = InputRecord | InputRecordError;

export const isRecordError = (r: RecordOutcome): r is InputRecordError => 'error' in r;

export function formatFromPath(path: string): InputFormat {
  if (/\.tsv$/i.test(path)) return 'tsv';
  if (/\.csv$/i.test(path)) return 'csv';
  return 'ndjson';
}

export function readRecords(input: AsyncIterable<Uint8Array>, format: InputFormat, mapping: FieldMapping): AsyncGenerator<RecordOutcome> {
  return format === 'ndjson' ? readNdjson(input, mapping) : readDelimited(input, format === 'tsv' ? '\t' : ',', mapping);
}

function toRecord(line: number, obj: Record<string, unknown>, mapping: FieldMapping): RecordOutcome {
  const rawId = mapping.idField === undefined ? undefined : obj[mapping.idField];
  const id = rawId === undefined || rawId === null ? undefined : String(rawId);
  if (!(mapping.textField in obj) || obj[mapping.textField] === undefined) {
    return { line, id, error: { code: 'FIELD_MISSING', message: `field "${mapping.textField}" is missing` } };
  }
  const { [mapping.textField]: text, ...fields } = obj;
  return { line, text, id, fields };
}

async function* readNdjson(input: AsyncIterable<Uint8Array>, mapping: FieldMapping): AsyncGenerator<RecordOutcome> {
  let line = 0;
  for await (const bytes of splitLines(input)) {
    line++;
    yield parseNdjsonLine(line, bytes, mapping);
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

/** Splits a byte stream on \n (dropping a trailing \r), without decoding: bad bytes stay per line. */
export async function* splitLines(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of input) {
    let data: Uint8Array = carry.length === 0 ? chunk : concat(carry, chunk);
    let start = 0;
    for (let i = data.indexOf(10, start); i !== -1; i = data.indexOf(10, start)) {
      yield trimCr(data.subarray(start, i));
      start = i + 1;
    }
    data = data.subarray(start);
    carry = data.length > 0 ? Uint8Array.from(data) : new Uint8Array(0);
  }
  if (carry.length > 0) yield trimCr(carry);
}

const trimCr = (b: Uint8Array) => (b.length > 0 && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

async function* readDelimited(input: AsyncIterable<Uint8Array>, delimiter: string, mapping: FieldMapping): AsyncGenerator<RecordOutcome> {
  const parser = parseCsv({
    delimiter,
    columns: mapping.columns ? [...mapping.columns] : true,
    relax_column_count: true,
    relax_quotes: delimiter === '\t',
    quote: delimiter === '\t' ? false : '"',
    skip_records_with_error: true,
    skip_empty_lines: false,
    info: true,
    bom: true,
  });
  const skipped: RecordOutcome[] = [];
  parser.on('skip', (err: Error & { lines?: number }) => {
    skipped.push({ line: err.lines ?? 0, error: { code: 'LINE_MALFORMED', message: err.message } });
  });
  const feed = (async () => {
    try {
      for await (const chunk of input) if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r));
      parser.end();
    } catch (e) {
      parser.destroy(e as Error);
    }
  })();
  for await (const item of parser as AsyncIterable<{ record: Record<string, unknown>; info: { lines: number; invalid_field_length: number } }>) {
    while (skipped.length > 0) yield skipped.shift() as RecordOutcome;
    const line = item.info.lines;
    const values = Object.values(item.record);
    if (values.length === 1 && values[0] === '') {
      yield { line, error: { code: 'LINE_MALFORMED', message: 'blank line' } };
      continue;
    }
    yield toRecord(line, item.record, mapping);
  }
  while (skipped.length > 0) yield skipped.shift() as RecordOutcome;
  await feed;
}
