import { describe, expect, it } from 'vitest';
import { OnlineLatencyModel } from './latency-model';

describe(OnlineLatencyModel.name, () => {
  describe('predict', () => {
    it('recovers a + b·tokens + c·texts from batches of mixed shapes', () => {
      const sut = new OnlineLatencyModel(100);
      for (let i = 0; i < 60; i++) {
        const texts = 1 + (i % 16);
        const tokens = texts * (5 + ((i * 7) % 40));
        sut.observe(tokens, texts, 2 + 0.01 * tokens + 0.05 * texts);
      }
      const coef = sut.coefficients();
      expect(coef?.a).toBeCloseTo(2, 3);
      expect(coef?.b).toBeCloseTo(0.01, 5);
      expect(coef?.c).toBeCloseTo(0.05, 4);
      // a whole batch's latency, not batch time / texts
      expect(sut.predict(640, 32)).toBeCloseTo(2 + 6.4 + 1.6, 3);
    });

    it('fits the curvature when per-token cost grows with batch size', () => {
      const sut = new OnlineLatencyModel(100);
      for (let i = 0; i < 60; i++) {
        const texts = 1 + (i % 32);
        const tokens = texts * 20;
        sut.observe(tokens, texts, 5 + 0.01 * tokens + 1e-5 * tokens * tokens);
      }
      expect(sut.coefficients()?.d).toBeCloseTo(1e-5, 7);
      expect(sut.predict(1000, 50)).toBeCloseTo(25, 3);
    });

    it('follows a step change in cost within one window', () => {
      const sut = new OnlineLatencyModel(50);
      const feed = (b: number, count: number) => {
        for (let i = 0; i < count; i++) {
          const texts = 1 + (i % 8);
          const tokens = texts * (10 + (i % 5) * 10);
          sut.observe(tokens, texts, 1 + b * tokens);
        }
      };
      feed(0.01, 50);
      expect(sut.predict(1000, 20)).toBeCloseTo(11, 1);
      feed(0.03, 50);
      expect(sut.predict(1000, 20)).toBeCloseTo(31, 1);
    });

    it('falls back to a simpler non-negative fit when every batch has the same shape', () => {
      const sut = new OnlineLatencyModel(20);
      for (let i = 0; i < 20; i++) sut.observe(640, 32, 12);
      const coef = sut.coefficients();
      expect(coef && Math.min(coef.a, coef.b, coef.c)).toBeGreaterThanOrEqual(0);
      expect(sut.predict(640, 32)).toBeCloseTo(12, 3);
    });

    it('uses the prior until it has its own samples', () => {
      const sut = new OnlineLatencyModel(50, { a: 1, b: 0.1, c: 0 });
      expect(sut.isFitted).toBe(false);
      expect(sut.predict(100, 4)).toBeCloseTo(11, 6);
      expect(new OnlineLatencyModel(50).predict(100, 4)).toBeUndefined();
    });
  });
});
