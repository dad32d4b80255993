import { describe, expect, it } from 'vitest';
import { isRecordError, readRecords, splitLines, type RecordOutcome } from './record-source';

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

describe(splitLines.name, () => {
  it('keeps a final line without a newline', async () => {
    const lines: string[] = [];
    for await (const l of splitLines(chunks('a\nb', 'c'))) lines.push(Buffer.from(l).toString());
    expect(lines).toEqual(['a', 'bc']);
  });
});
