import { describe, expect, it } from 'vitest';
import { LogHistogram } from './log-histogram';

describe(LogHistogram.name, () => {
  describe('quantile', () => {
    it('is within 4 % of the exact quantile', () => {
      const sut = new LogHistogram();
      for (let i = 1; i <= 1000; i++) sut.add(i);
      expect(sut.quantile(0.95)).toBeGreaterThanOrEqual(950);
      expect(sut.quantile(0.95)).toBeLessThanOrEqual(950 * 1.04);
      expect(sut.quantile(0.5)).toBeGreaterThanOrEqual(500);
      expect(sut.quantile(0.5)).toBeLessThanOrEqual(500 * 1.04);
      expect(sut.meanMs).toBeCloseTo(500.5, 6);
    });

    it('weighs an observation by the texts it covered', () => {
      const sut = new LogHistogram();
      sut.add(1, 99);
      sut.add(100, 1);
      expect(sut.quantile(0.95)).toBeLessThan(1.1);
      sut.add(100, 10);
      expect(sut.quantile(0.95)).toBeGreaterThan(99);
    });

    it('is 0 when empty and ignores negative or NaN timings', () => {
      const sut = new LogHistogram();
      sut.add(-1);
      sut.add(Number.NaN);
      expect(sut.count).toBe(0);
      expect(sut.quantile(0.95)).toBe(0);
    });
  });

  describe('merge', () => {
    it('adds up histograms from several processes through JSON', () => {
      const a = new LogHistogram();
      const b = new LogHistogram();
      for (let i = 0; i < 90; i++) a.add(2);
      for (let i = 0; i < 10; i++) b.add(200);
      const sut = LogHistogram.from(JSON.parse(JSON.stringify(a.toJSON())));
      sut.merge(JSON.parse(JSON.stringify(b.toJSON())));
      expect(sut.count).toBe(100);
      expect(sut.quantile(0.5)).toBeLessThan(2.1);
      expect(sut.quantile(0.95)).toBeGreaterThan(199);
    });
  });
});
