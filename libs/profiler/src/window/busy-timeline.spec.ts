import { describe, expect, it } from 'vitest';
import { BusyTimeline } from './busy-timeline';

describe(BusyTimeline.name, () => {
  describe('since', () => {
    it('counts a run that straddles the start of the read only for its part inside it', () => {
      const sut = new BusyTimeline(1000, 60_000);
      sut.add(12_000, 4000); // ran 8 000 → 12 000
      expect(sut.since(10_000, 20_000)).toBe(2000);
      expect(sut.since(0, 20_000)).toBe(4000);
    });

    it('never reads more than the slots could have been busy, wherever the read starts', () => {
      // One slot busy back to back with 700 ms batches from 0 to 65 s (the last one ends at 65.1 s).
      const sut = new BusyTimeline(1000, 60_000);
      let end = 0;
      while (end < 65_000) sut.add((end += 700), 700);
      for (const from of [5_100, 5_000, 5_550, 10_000, 64_000]) expect(sut.since(from, end), `from ${from}`).toBeCloseTo(end - from, 6);
    });

    it('counts whole a bucket cut by the start of the read whose runs all began after it', () => {
      // A one-hour window has one-minute buckets; the model loaded 30 s into one, and the slot was
      // busy from then on.
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

    it('ignores empty runs', () => {
      const sut = new BusyTimeline(1000, 10_000);
      sut.add(5000, 0);
      expect(sut.since(0, 5000)).toBe(0);
    });
  });
});
