import { describe, expect, it } from 'vitest';
import { toOutputLine } from './result-line';

const MODEL = 'tiny@abc';
const result = { labels: [{ label: 'joy', score: 0.9 }], model: MODEL };

describe(toOutputLine.name, () => {
  it('puts line and id first, then the passthrough fields, then the result', () => {
    const sut = toOutputLine(
      { record: { line: 4, id: 'm1', text: 'yay', fields: { id: 'm1', user: 'u1' } }, outcome: result },
      MODEL,
      'id',
    );
    expect(sut).toEqual({ line: 4, id: 'm1', user: 'u1', labels: result.labels, model: MODEL });
    expect(Object.keys(sut)).toEqual(['line', 'id', 'user', 'labels', 'model']);
  });

  it('renames a passthrough field named like a result key to input_<name> instead of overwriting the result', () => {
    const sut = toOutputLine(
      { record: { line: 1, text: 'x', fields: { labels: 'mine', model: 'theirs', error: 'none' } }, outcome: result },
      MODEL,
    );
    expect(sut).toMatchObject({ input_labels: 'mine', input_model: 'theirs', input_error: 'none', labels: result.labels, model: MODEL });
    expect(sut).not.toHaveProperty('error');
  });

  it('takes the field id as the id by default: not repeated as input_id', () => {
    const sut = toOutputLine({ record: { line: 1, id: 'm1', text: 'yay', fields: { id: 'm1', user: 'u1' } }, outcome: result }, MODEL);
    expect(sut).toEqual({ line: 1, id: 'm1', user: 'u1', labels: result.labels, model: MODEL });
  });

  it("reports a line's own error (malformed line) with its line number and id only", () => {
    const error = { code: 'LINE_MALFORMED' as const, message: 'invalid JSON' };
    expect(toOutputLine({ record: { line: 7, id: 'm7', error } }, MODEL)).toEqual({ line: 7, id: 'm7', error });
  });

  it("reports a text's error (empty text) without the passthrough fields", () => {
    const error = { code: 'TEXT_EMPTY' as const, message: 'empty' };
    const sut = toOutputLine({ record: { line: 2, text: '', fields: { user: 'u1' } }, outcome: { error } }, MODEL);
    expect(sut).toEqual({ line: 2, error });
  });
});
