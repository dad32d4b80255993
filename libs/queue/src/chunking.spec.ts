import { describe, expect, it } from 'vitest';
import { chunkCount, chunkLength, locateOffset, splitIntoChunks } from './chunking';

describe('chunking', () => {
  describe(splitIntoChunks.name, () => {
    it('keeps every item once, in order, in chunks of at most the chunk size', () => {
      const items = Array.from({ length: 130 }, (_, i) => ({ id: String(i), text: `t${i}` }));
      const sut = splitIntoChunks(items, 64);
      expect(sut.map((c) => c.length)).toEqual([64, 64, 2]);
      expect(sut.flat().map((i) => i.id)).toEqual(items.map((i) => i.id));
    });
  });

  describe(chunkLength.name, () => {
    it('agrees with the chunks actually produced', () => {
      for (const [total, size] of [
        [1, 64],
        [64, 64],
        [65, 64],
        [10_000, 64],
        [7, 3],
      ]) {
        const chunks = splitIntoChunks(
          Array.from({ length: total }, () => ({ text: 'x' })),
          size,
        );
        expect(chunks.length).toBe(chunkCount(total, size));
        chunks.forEach((c, i) => expect(chunkLength(total, size, i)).toBe(c.length));
      }
    });
  });

  describe(locateOffset.name, () => {
    it('finds the chunk and position of a result line', () => {
      expect(locateOffset(0, 64)).toEqual({ chunk: 0, skip: 0 });
      expect(locateOffset(63, 64)).toEqual({ chunk: 0, skip: 63 });
      expect(locateOffset(64, 64)).toEqual({ chunk: 1, skip: 0 });
      expect(locateOffset(130, 64)).toEqual({ chunk: 2, skip: 2 });
    });
  });
});
