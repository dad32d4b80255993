import { describe, expect, it } from 'vitest';
import { BackfillChunker } from './backfill-chunker';
import { mergeChunkLines } from './backfill-lines';

const policy = { maxTextChars: 10, longTextPolicy: 'reject' as const };
const rec = (line: number, text: unknown, fields: Record<string, unknown> = {}) => ({
  line,
  text,
  id: `m${line}`,
  fields: { id: `m${line}`, ...fields },
});

describe(BackfillChunker.name, () => {
  describe('add', () => {
    it('cuts chunks of a fixed number of lines and keeps bad lines out of the texts', () => {
      const sut = new BackfillChunker({ format: 'ndjson', textField: 'text', idField: 'id' }, 3, policy);
      expect(sut.add(rec(1, 'hello'))).toBeUndefined();
      expect(sut.add({ line: 2, error: { code: 'LINE_MALFORMED', message: 'bad' } })).toBeUndefined();
      const first = sut.add(rec(3, '  '));
      expect(first).toMatchObject({ index: 0, texts: ['hello'], errors: 2 });
      expect(first?.inputs.entries.map((e) => [e[0], e[3]?.code ?? null])).toEqual([
        [1, null],
        [2, 'LINE_MALFORMED'],
        [3, 'TEXT_EMPTY'],
      ]);
      sut.add(rec(4, 7));
      sut.add(rec(5, 'far too long a text'));
      expect(sut.flush()).toMatchObject({ index: 1, texts: ['far too long a text'], errors: 1 });
      expect(sut.flush()).toBeUndefined();
    });

    it('gives the same digest for the same lines and another one when a text changes', () => {
      const chunk = (text: string) => new BackfillChunker({ format: 'ndjson', textField: 'text' }, 1, policy).add(rec(1, text));
      expect(chunk('same')?.inputs.digest).toBe(chunk('same')?.inputs.digest);
      expect(chunk('same')?.inputs.digest).not.toBe(chunk('other')?.inputs.digest);
    });
  });
});

describe(mergeChunkLines.name, () => {
  it('splices passthrough fields and results into one line per input line, in order', () => {
    const sut = new BackfillChunker({ format: 'ndjson', textField: 'text', idField: 'id', passthrough: ['user', 'model'] }, 3, policy);
    sut.add(rec(1, 'hi', { user: 'u"1', conversation_id: 'c1', model: 'x' }));
    sut.add({ line: 2, id: 'm2', error: { code: 'FIELD_MISSING', message: 'no text' } });
    const chunk = sut.add(rec(3, 'yo', { user: 'u3' }));
    const results = [
      JSON.stringify({ labels: [{ label: 'joy', score: 0.5 }], model: 'm@1' }),
      JSON.stringify({ error: { code: 'TEXT_TOO_LONG', message: 'long' } }),
    ].join('\n');
    const lines = mergeChunkLines(chunk!.inputs, results).map((l) => [JSON.parse(l.json), l.error]);
    expect(lines).toEqual([
      [{ line: 1, id: 'm1', user: 'u"1', input_model: 'x', labels: [{ label: 'joy', score: 0.5 }], model: 'm@1' }, false],
      [{ line: 2, id: 'm2', error: { code: 'FIELD_MISSING', message: 'no text' } }, true],
      [{ line: 3, id: 'm3', error: { code: 'TEXT_TOO_LONG', message: 'long' } }, true],
    ]);
  });

  it('passes an input field id through as id (not input_id) when no id field is named', () => {
    const sut = new BackfillChunker({ format: 'ndjson', textField: 'text' }, 1, policy);
    const chunk = sut.add(rec(1, 'hi', { user: 'u1' }));
    const lines = mergeChunkLines(chunk!.inputs, JSON.stringify({ labels: [], model: 'm@1' })).map((l) => JSON.parse(l.json) as object);
    expect(lines).toEqual([{ line: 1, id: 'm1', user: 'u1', labels: [], model: 'm@1' }]);
  });

  it('refuses results that do not match the texts one to one', () => {
    const chunk = new BackfillChunker({ format: 'ndjson', textField: 'text' }, 1, policy).add(rec(1, 'hi'));
    expect(() => mergeChunkLines(chunk!.inputs, '')).toThrow();
    expect(() => mergeChunkLines(chunk!.inputs, '{"labels":[]}\n{"labels":[]}')).toThrow();
  });
});
