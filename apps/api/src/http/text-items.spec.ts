import type { ClassifyOutcome } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { mergeOutcomes, notStringError, splitTexts } from './text-items';

const ok = (label: string): ClassifyOutcome => ({ labels: [{ label, score: 1 }], model: 'fake@1' });

describe('splitTexts / mergeOutcomes', () => {
  it('sends only the strings on and puts each non-string error back in its input position', () => {
    const sut = splitTexts([5, 'a', null, 'b', { x: 1 }, ['c'], true]);
    expect(sut.texts).toEqual(['a', 'b']);
    expect([...sut.errors.keys()]).toEqual([0, 2, 4, 5, 6]);
    const merged = mergeOutcomes(sut, [ok('a'), ok('b')]);
    expect(merged.map((o) => ('error' in o ? o.error.code : o.labels[0].label))).toEqual([
      'TEXT_NOT_STRING',
      'a',
      'TEXT_NOT_STRING',
      'b',
      'TEXT_NOT_STRING',
      'TEXT_NOT_STRING',
      'TEXT_NOT_STRING',
    ]);
  });

  it("says what checkText (the engine, the backfill chunker) says of the value's type", () => {
    expect(notStringError(null)).toEqual({ error: { code: 'TEXT_NOT_STRING', message: 'Text must be a string, got null' } });
    expect(notStringError(false).error.message).toBe('Text must be a string, got boolean');
  });

  it('refuses outcomes that do not match the texts one to one (INTERNAL), rather than shift results onto other items', () => {
    const sut = splitTexts(['a', 1, 'b']);
    expect(() => mergeOutcomes(sut, [ok('a')])).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
