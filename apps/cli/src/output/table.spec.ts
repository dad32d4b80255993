import { describe, expect, it } from 'vitest';
import { ellipsis, renderTable } from './table';

describe(renderTable.name, () => {
  it('pads every column to its widest cell under a dashed rule, without trailing spaces', () => {
    const sut = renderTable(
      ['text', 'emotions'],
      [
        ['hi', 'joy 0.91'],
        ['a longer text', ''],
      ],
    );
    expect(sut.split('\n')).toEqual(['text           emotions', '-------------  --------', 'hi             joy 0.91', 'a longer text']);
  });
});

describe(ellipsis.name, () => {
  it('keeps a short text and flattens its whitespace', () => {
    expect(ellipsis('  two\nlines\there ', 20)).toBe('two lines here');
  });

  it('cuts a long text to exactly max characters ending in an ellipsis', () => {
    const sut = ellipsis('abcdefghijklmnopqrstuvwxyz', 10);
    expect(sut).toBe('abcdefghi…');
    expect(sut).toHaveLength(10);
  });
});
