import { describe, expect, it } from 'vitest';
import { BusyTimeline } from './busy-timeline';

describe(BusyTimeline.name, () => {
  describe('since', () => {
    it('counts the batches that finished after the start of the read, whole', () => {
      const sut = new BusyTimeline(1000, 60_000);
      sut.add(9_000, 500);
      sut.add(12_000, 4000); // ran 8 000 → 12 000: finished inside the read
      sut.add(15_000, 1000);
      expect(sut.since(10_000, 20_000)).toBe(5000);
      expect(sut.since(0, 20_000)).toBe(5500);
    });

    it('reads a slot busy back to back as fully busy wherever the read starts (the straddling batch makes up for the running one)', () => {
      const sut = new BusyTimeline(1000, 60_000);
      let end = 0;
      while (end < 65_000) sut.add((end += 500), 500);
      for (const from of [5_000, 10_000, 64_000]) expect(sut.since(from, end), `from ${from}`).toBe(end - from);
    });

    it('counts whole a bucket cut by the start of the read whose batches all finished after it', () => {
      // A one-hour window has one-minute buckets; the model loaded 30 s into one.
      const sut = new BusyTimeline(60_000, 3_600_000);
      for (let end = 31_000; end <= 40_000; end += 1000) sut.add(end, 1000);
      expect(sut.since(30_000, 40_000)).toBe(10_000);
    });

    it('drops what is older than it keeps', () => {
      const sut = new BusyTimeline(1000, 10_000);
      sut.add(1000, 1000);
      sut.add(30_000, 500);
      expect(sut.since(0, 30_000)).toBe(500);
    });

    it('ignores empty batches', () => {
      const sut = new BusyTimeline(1000, 10_000);
      sut.add(5000, 0);
      expect(sut.since(0, 5000)).toBe(0);
    });
  });
});
