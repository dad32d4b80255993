// Turns a stream of input records into backfill chunks: a fixed number of input lines each (so a
// chunk's index names the same lines on every upload of the same file), the texts that go to the
// queue, and the compact entries the results are rebuilt from. Bad lines (malformed, missing field,
// non-string or empty text) become error entries here and never reach a worker. Pure: no Redis.
import { createHash } from 'node:crypto';
import { AppError, checkText, idFieldOf, isRecordError, type ErrorCode, type RecordOutcome, type TextPolicy } from '@emo/contracts';
import type { BackfillMapping, ChunkInputs, InputEntry } from './backfill.types';

/** Output fields a passthrough field may not overwrite; such fields come out as `input_<name>`. */
const RESERVED = new Set(['line', 'id', 'labels', 'scores', 'model', 'truncated', 'error']);

export interface BackfillChunk {
  readonly index: number;
  readonly inputs: ChunkInputs;
  /** Texts of the lines without an error, in input order. */
  readonly texts: readonly string[];
  readonly errors: number;
}

export class BackfillChunker {
  private entries: InputEntry[] = [];
  private texts: string[] = [];
  private errors = 0;
  private next = 0;
  private readonly passthrough?: ReadonlySet<string>;
  private readonly idField: string;

  constructor(
    private readonly mapping: BackfillMapping,
    private readonly chunkSize: number,
    private readonly policy: TextPolicy,
  ) {
    this.passthrough = mapping.passthrough ? new Set(mapping.passthrough) : undefined;
    this.idField = idFieldOf(mapping);
  }

  /** Adds one record; returns a chunk when this record filled one. */
  add(record: RecordOutcome): BackfillChunk | undefined {
    this.entries.push(this.entry(record));
    return this.entries.length >= this.chunkSize ? this.take() : undefined;
  }

  /** The last, partial chunk (undefined when nothing is left). */
  flush(): BackfillChunk | undefined {
    return this.entries.length > 0 ? this.take() : undefined;
  }

  private entry(record: RecordOutcome): InputEntry {
    const id = record.id ?? null;
    if (isRecordError(record)) return this.error(record.line, id, record.error);
    try {
      checkText(record.text, this.policy);
    } catch (e) {
      const err = AppError.fromPlain(e);
      // Long texts are the worker's business (it truncates and flags them, or rejects them).
      if (err.code !== 'TEXT_TOO_LONG') return this.error(record.line, id, { code: err.code, message: err.message });
    }
    this.texts.push(record.text as string);
    return [record.line, id, this.passthroughOf(record.fields), null];
  }

  private error(line: number, id: string | null, error: { code: ErrorCode; message: string }): InputEntry {
    this.errors++;
    return [line, id, '', { code: error.code, message: error.message }];
  }

  private passthroughOf(fields: Record<string, unknown>): string {
    // No prototype: a field named __proto__ is kept as data, not taken as the object's prototype.
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    let any = false;
    for (const [k, v] of Object.entries(fields)) {
      if (k === this.idField || (this.passthrough && !this.passthrough.has(k))) continue;
      out[RESERVED.has(k) ? `input_${k}` : k] = v;
      any = true;
    }
    return any ? JSON.stringify(out).slice(1, -1) : '';
  }

  private take(): BackfillChunk {
    const hash = createHash('sha1');
    hash.update(JSON.stringify(this.entries));
    for (const t of this.texts) hash.update('\u0000').update(t);
    const chunk: BackfillChunk = {
      index: this.next++,
      inputs: { digest: hash.digest('base64url'), entries: this.entries },
      texts: this.texts,
      errors: this.errors,
    };
    this.entries = [];
    this.texts = [];
    this.errors = 0;
    return chunk;
  }
}
