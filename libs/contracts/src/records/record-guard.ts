// Bounds the bytes of one CSV/TSV record before the bytes reach the CSV parser (which would buffer
// a record of any size, and stops parsing altogether after its own max_record_size error). A record
// over the limit is dropped as it streams (at most the limit is held) and replaced by one sentinel
// line that the reader turns into a LINE_TOO_LONG error at the record's line; the other records
// pass through unchanged. Linear time: each byte is looked at once (indexOf for quotes and newlines).
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { AppError } from '../app-error';
import { nextInvalidUtf8 } from '../text-input';

const NL = 10;
const CR = 13;
const QUOTE = 34;

export interface DroppedRecord {
  readonly bytes: number;
  /** Line of the input (1-based) on which the dropped record ended. */
  readonly line: number;
}

export class RecordGuard {
  /** Starts the value of a sentinel record; random per stream, so input text cannot forge one. */
  readonly marker = `\u0000emo-line-too-long-${randomBytes(6).toString('hex')}:`;
  private inQuotes = false;
  private parts: Uint8Array[] = [];
  private held = 0;
  /** Bytes of the current record in earlier chunks (held or dropped). */
  private before = 0;
  private dropping = false;
  private records = 0;
  private lines = 0;
  /** Input line on which the current record started. */
  private recordLine = 1;
  private lastByte = -1;
  /** [parser line of a sentinel, input lines removed up to and including it], in order. */
  private readonly removed: [number, number][] = [];
  private removedTotal = 0;

  constructor(
    private readonly maxBytes: number,
    /** CSV quoting: newlines inside quotes do not end a record (TSV: false). */
    private readonly quoted: boolean,
    /** The first record is a header: one over the limit fails the whole input. */
    private readonly header: boolean,
  ) {}

  /** The bytes to hand to the parser for this chunk, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    /** Start of the bytes of this chunk not yet handed on (-1: dropping the record they belong to). */
    let run = this.dropping ? -1 : 0;
    let recStart = 0;
    let pos = 0;
    let nextNl = -2;
    let nextQuote = -2;
    while (pos < chunk.length) {
      if (nextNl !== -1 && nextNl < pos) nextNl = chunk.indexOf(NL, pos);
      if (this.quoted && nextQuote !== -1 && nextQuote < pos) nextQuote = chunk.indexOf(QUOTE, pos);
      const q = this.quoted ? nextQuote : -1;
      if (q !== -1 && (nextNl === -1 || q < nextNl)) {
        this.inQuotes = !this.inQuotes;
        pos = q + 1;
        continue;
      }
      if (nextNl === -1) break;
      const nl = nextNl;
      pos = nl + 1;
      this.lines++;
      if (this.inQuotes) continue;
      // End of a record at nl.
      const bytes = this.before + (nl - recStart);
      if (!this.dropping && bytes > this.maxBytes) {
        if (run >= 0 && recStart > run) out.push(chunk.subarray(run, recStart));
        this.startDropping();
        run = -1;
      }
      if (this.dropping) {
        const cr = nl > 0 ? chunk[nl - 1] === CR : this.lastByte === CR;
        out.push(this.sentinel(bytes, cr));
        this.dropping = false;
        run = nl + 1;
      } else if (this.parts.length > 0) {
        out.push(...this.parts);
        this.parts = [];
        this.held = 0;
      }
      this.records++;
      this.before = 0;
      this.recordLine = this.lines + 1;
      recStart = nl + 1;
    }
    // The record that goes on in the next chunk.
    const tail = chunk.length - recStart;
    if (!this.dropping && this.before + tail > this.maxBytes) {
      if (run >= 0 && recStart > run) out.push(chunk.subarray(run, recStart));
      this.startDropping();
      run = -1;
    }
    if (!this.dropping) {
      if (recStart > run) out.push(chunk.subarray(run, recStart));
      if (tail > 0) {
        const copy = new Uint8Array(tail);
        copy.set(chunk.subarray(recStart), 0);
        this.parts.push(copy);
        this.held += tail;
      }
    }
    this.before += tail;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
    return out;
  }

  /** What is left at the end of the input. */
  end(): Uint8Array[] {
    if (this.dropping) return [this.sentinel(this.before, false, true)];
    const rest = this.parts;
    this.parts = [];
    this.held = 0;
    return rest;
  }

  /** The dropped record a parsed value stands for (undefined: a real value). */
  dropped(value: unknown): DroppedRecord | undefined {
    if (typeof value !== 'string' || !value.startsWith(this.marker)) return undefined;
    const [bytes, line] = value.slice(this.marker.length).split(':').map(Number);
    return { bytes, line };
  }

  /** Input line of a line number the parser reports (records after a sentinel moved up). */
  inputLine(parserLine: number): number {
    let lo = 0;
    let hi = this.removed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.removed[mid][0] < parserLine) lo = mid + 1;
      else hi = mid;
    }
    return parserLine + (lo === 0 ? 0 : this.removed[lo - 1][1]);
  }

  private startDropping(): void {
    if (this.header && this.records === 0) {
      throw new AppError('LINE_TOO_LONG', `The header line is over ${this.maxBytes} bytes (BACKFILL_MAX_LINE_BYTES)`);
    }
    this.dropping = true;
    this.parts = [];
    this.held = 0;
  }

  /** One line standing for the dropped record; its newlines inside quotes are counted as removed. */
  private sentinel(bytes: number, cr: boolean, last = false): Uint8Array {
    const endLine = last ? this.lines + 1 : this.lines;
    const parserLine = endLine - this.removedTotal - (endLine - this.recordLine);
    this.removedTotal = endLine - parserLine;
    this.removed.push([parserLine, this.removedTotal]);
    return Buffer.from(`${this.marker}${bytes}:${endLine}${last ? '' : cr ? '\r\n' : '\n'}`);
  }
}

/**
 * Marks invalid UTF-8 in a byte stream on its way to the CSV parser (which would decode it to
 * U+FFFD, indistinguishable from a genuine U+FFFD): each ill-formed subsequence is replaced by
 * `marker`, an ASCII string that no input can forge, so the reader can fail exactly those records
 * with TEXT_INVALID_UTF8. Valid chunks pass through as they are (one native check per chunk).
 */
export class InvalidUtf8Marker {
  readonly marker = `\u0000emo-invalid-utf8-${randomBytes(6).toString('hex')}\u0000`;
  /** Whether any invalid byte was seen (records need checking only then). */
  seen = false;
  private readonly markerBytes = Buffer.from(this.marker);
  /** An incomplete sequence at the end of the last chunk. */
  private carry: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    let data = chunk;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + chunk.length);
      data.set(this.carry, 0);
      data.set(chunk, this.carry.length);
    }
    const cut = completePrefix(data);
    this.carry = cut < data.length ? data.slice(cut) : new Uint8Array(0);
    return this.mark(data.subarray(0, cut));
  }

  end(): Uint8Array[] {
    const rest = this.carry;
    this.carry = new Uint8Array(0);
    return rest.length > 0 ? this.mark(rest) : [];
  }

  private mark(bytes: Uint8Array): Uint8Array[] {
    if (bytes.length === 0) return [];
    if (isUtf8(bytes)) return [bytes];
    this.seen = true;
    const out: Uint8Array[] = [];
    let from = 0;
    for (let bad = nextInvalidUtf8(bytes, 0); bad !== undefined; bad = nextInvalidUtf8(bytes, from)) {
      if (bad[0] > from) out.push(bytes.subarray(from, bad[0]));
      out.push(this.markerBytes);
      from = bad[1];
    }
    if (from < bytes.length) out.push(bytes.subarray(from));
    return out;
  }
}

/** Length of `data` without a multi-byte sequence cut off at its end. */
function completePrefix(data: Uint8Array): number {
  const n = data.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const b = data[n - back];
    if ((b & 0xc0) === 0x80) continue;
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return back < len ? n - back : n;
  }
  return n;
}
