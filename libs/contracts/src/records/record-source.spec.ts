import { afterEach, describe, expect, it } from 'vitest';
import { checkText, decodeUtf8Escaped } from '../text-input';
import { isRecordError, LineTooLong, readRecords, splitLines, type RecordOutcome } from './record-source';

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

async function collect(gen: AsyncGenerator<RecordOutcome>): Promise<RecordOutcome[]> {
  const out: RecordOutcome[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

describe('readRecords', () => {
  describe('ndjson', () => {
    it('yields one outcome per line, with line numbers, across chunk boundaries', async () => {
      const input = chunks('{"text":"hi","id":1,"user":"u1"}\n{"te', 'xt":"there"}\r\n');
      const out = await collect(readRecords(input, 'ndjson', { textField: 'text', idField: 'id' }));
      expect(out).toEqual([
        { line: 1, text: 'hi', id: '1', fields: { id: 1, user: 'u1' } },
        { line: 2, text: 'there', id: undefined, fields: {} },
      ]);
    });

    it('reads the id from a field named id when no id field is given, and from the named field otherwise', async () => {
      const line = '{"text":"hi","id":"m1","msg_id":7}\n';
      expect(await collect(readRecords(chunks(line), 'ndjson', { textField: 'text' }))).toEqual([
        { line: 1, text: 'hi', id: 'm1', fields: { id: 'm1', msg_id: 7 } },
      ]);
      expect(await collect(readRecords(chunks(line), 'ndjson', { textField: 'text', idField: 'msg_id' }))).toEqual([
        { line: 1, text: 'hi', id: '7', fields: { id: 'm1', msg_id: 7 } },
      ]);
      expect(await collect(readRecords(chunks('{"text":"no id"}\n'), 'ndjson', { textField: 'text' }))).toEqual([
        { line: 1, text: 'no id', id: undefined, fields: {} },
      ]);
    });

    it('reports blank, malformed, non-object, missing-field and invalid UTF-8 lines and keeps going', async () => {
      const bad = Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
      const input = chunks('{"text":"ok"}\n\n{oops\n[1,2]\n{"msg":"x"}\n', bad, '{"text":"last"}');
      const out = await collect(readRecords(input, 'ndjson', { textField: 'text' }));
      expect(out.map((r) => (isRecordError(r) ? `${r.line}:${r.error.code}` : `${r.line}:ok`))).toEqual([
        '1:ok',
        '2:LINE_MALFORMED',
        '3:LINE_MALFORMED',
        '4:LINE_MALFORMED',
        '5:FIELD_MISSING',
        '6:TEXT_INVALID_UTF8',
        '7:ok',
      ]);
    });
  });

  describe('csv', () => {
    it('maps columns by header, handles quoted newlines and reports a row missing the text column', async () => {
      const input = chunks('id,text,user\n1,"hello, ""world""",a\n2,"two\nlines",b\n3\n4,fine,c\n');
      const out = await collect(readRecords(input, 'csv', { textField: 'text', idField: 'id' }));
      expect(out.map((r) => (isRecordError(r) ? `${r.line}:${r.error.code}` : `${r.line}:${String(r.text)}`))).toEqual([
        '2:hello, "world"',
        '4:two\nlines',
        '5:FIELD_MISSING',
        '6:fine',
      ]);
    });

    it('reads headerless TSV with given column names', async () => {
      const input = chunks('I love it\t17\teabc\nnope "quoted\t2\tedef\n');
      const out = await collect(readRecords(input, 'tsv', { textField: 'text', idField: 'id', columns: ['text', 'labels', 'id'] }));
      expect(out).toEqual([
        { line: 1, text: 'I love it', id: 'eabc', fields: { labels: '17', id: 'eabc' } },
        { line: 2, text: 'nope "quoted', id: 'edef', fields: { labels: '2', id: 'edef' } },
      ]);
    });
  });
});

/** Counts the bytes searched by Uint8Array#indexOf and copied by Uint8Array#set while installed. */
function countWork() {
  const { indexOf, set } = Uint8Array.prototype;
  const work = { scanned: 0, copied: 0, largestCopy: 0 };
  Uint8Array.prototype.indexOf = function (this: Uint8Array, value: number, from = 0) {
    const at = indexOf.call(this, value, from);
    work.scanned += (at === -1 ? this.length : at + 1) - Math.max(0, from);
    return at;
  };
  Uint8Array.prototype.set = function (this: Uint8Array, source: ArrayLike<number>, offset?: number) {
    work.copied += source.length;
    work.largestCopy = Math.max(work.largestCopy, source.length);
    return set.call(this, source as Uint8Array, offset);
  } as typeof set;
  return {
    work,
    restore() {
      Uint8Array.prototype.indexOf = indexOf;
      Uint8Array.prototype.set = set;
    },
  };
}

/** `total` bytes of `byte` in chunks of `size` (fresh Uint8Arrays, as a socket would give). */
async function* repeated(byte: number, total: number, size: number, then = ''): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < total; sent += size) yield new Uint8Array(Math.min(size, total - sent)).fill(byte);
  if (then) yield Buffer.from(then);
}

describe(splitLines.name, () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it('keeps a final line without a newline', async () => {
    const lines: string[] = [];
    for await (const l of splitLines(chunks('a\nb', 'c'))) lines.push(Buffer.from(l as Uint8Array).toString());
    expect(lines).toEqual(['a', 'bc']);
  });

  it('looks at each byte of a line that spans many chunks a bounded number of times (linear, not quadratic)', async () => {
    const total = 4 * 1024 * 1024;
    const counter = countWork();
    restore = counter.restore;
    const lengths: number[] = [];
    for await (const l of splitLines(repeated(0x61, total, 16 * 1024, '\nb\n'))) lengths.push((l as Uint8Array).length);
    counter.restore();
    expect(lengths).toEqual([total, 1]);
    // Each byte searched once and copied at most twice (kept aside, then joined into the line).
    expect(counter.work.scanned).toBeGreaterThanOrEqual(total);
    expect(counter.work.scanned).toBeLessThanOrEqual(total + 16);
    expect(counter.work.copied).toBeLessThanOrEqual(2 * total + 16);
  });

  it('drops a line over the limit while it streams and goes on with the next lines', async () => {
    const limit = 64 * 1024;
    const counter = countWork();
    restore = counter.restore;
    const out: (string | number)[] = [];
    const input = async function* () {
      yield Buffer.from('first\n');
      yield* repeated(0x7a, 4 * 1024 * 1024, 16 * 1024, 'tail\nnext\r\n');
    };
    for await (const l of splitLines(input(), limit)) out.push(l instanceof LineTooLong ? -l.bytes : Buffer.from(l).toString());
    counter.restore();
    expect(out).toEqual(['first', -(4 * 1024 * 1024 + 4), 'next']);
    // Never more than the limit (plus one chunk) is copied at once: the long line is never held whole.
    expect(counter.work.largestCopy).toBeLessThanOrEqual(limit + 16 * 1024);
  });
});

describe('line limits in readRecords', () => {
  it('gives a 16 MB NDJSON line without a newline LINE_TOO_LONG and reads the lines after it', async () => {
    const input = async function* () {
      yield Buffer.from('{"text":"before"}\n{"text":"');
      yield* repeated(0x61, 16 * 1024 * 1024, 64 * 1024, '"}\n{"text":"after"}\n');
    };
    const out = await collect(readRecords(input(), 'ndjson', { textField: 'text' }, { maxLineBytes: 1024 * 1024 }));
    expect(out.map((r) => (isRecordError(r) ? `${r.line}:${r.error.code}` : `${r.line}:${String(r.text)}`))).toEqual([
      '1:before',
      '2:LINE_TOO_LONG',
      '3:after',
    ]);
  });

  it('drops a CSV record over the limit (quoted newlines included) and keeps the line numbers of the records after it', async () => {
    const long = `"${'x'.repeat(300)}\n${'y'.repeat(300)}"`;
    const input = chunks('id,text\n1,short\n', `2,${long.slice(0, 100)}`, `${long.slice(100)}\n3,"two\nlines"\n4,fine\n`);
    const out = await collect(readRecords(input, 'csv', { textField: 'text', idField: 'id' }, { maxLineBytes: 256 }));
    expect(out.map((r) => (isRecordError(r) ? `${r.line}:${r.error.code}` : `${r.line}:${String(r.text)}`))).toEqual([
      '2:short',
      '4:LINE_TOO_LONG',
      '6:two\nlines',
      '7:fine',
    ]);
  });

  it('drops a TSV line over the limit with CRLF line ends', async () => {
    const input = chunks('a\t1\r\n', `${'b'.repeat(500)}\t2\r\n`, 'c\t3\r\n');
    const out = await collect(readRecords(input, 'tsv', { textField: 'text', columns: ['text', 'n'] }, { maxLineBytes: 100 }));
    expect(out.map((r) => (isRecordError(r) ? `${r.line}:${r.error.code}` : `${r.line}:${String(r.text)}`))).toEqual([
      '1:a',
      '2:LINE_TOO_LONG',
      '3:c',
    ]);
  });
});

describe('invalid UTF-8 vs a genuine U+FFFD', () => {
  const policy = { maxTextChars: 100, longTextPolicy: 'reject' as const };

  it('accepts a text holding U+FFFD and rejects one decoded from invalid bytes', () => {
    expect(checkText('a \uFFFD b', policy).text).toBe('a \uFFFD b');
    expect(checkText(decodeUtf8Escaped(Buffer.from('a \uFFFD b')), policy).text).toBe('a \uFFFD b');
    const invalid = decodeUtf8Escaped(Buffer.from([0x61, 0xff, 0x62, 0xe2, 0x82]));
    expect(invalid).toBe('a\udcffb\udce2\udc82');
    expect(() => checkText(invalid, policy)).toThrow(expect.objectContaining({ code: 'TEXT_INVALID_UTF8' }));
  });

  it('fails CSV records with invalid bytes, split across chunks too, and keeps records with U+FFFD', async () => {
    const fffd = Buffer.from('\uFFFD');
    const input = chunks(
      Buffer.concat([Buffer.from('id,text\n1,ok '), Buffer.from([0xc3])]),
      Buffer.from([0xa9]),
      '\n2,',
      Buffer.concat([Buffer.from('bad '), Buffer.from([0xc3]), Buffer.from(',\n')]),
      Buffer.concat([Buffer.from('3,real '), fffd, Buffer.from('\n')]),
    );
    const out = await collect(readRecords(input, 'csv', { textField: 'text', idField: 'id' }));
    expect(out.map((r) => (isRecordError(r) ? `${r.line}:${r.error.code}` : `${r.line}:${String(r.text)}`))).toEqual([
      '2:ok \u00e9',
      '3:TEXT_INVALID_UTF8',
      '4:real \uFFFD',
    ]);
  });
});
