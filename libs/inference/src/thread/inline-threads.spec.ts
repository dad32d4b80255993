// The inline session's thread candidates under INFERENCE_INLINE_INTRA_OP_THREADS and the rule that
// picks one from their measured medians (the timing itself: inference-pool.spec.ts, by construction).
import { describe, expect, it } from 'vitest';
import { inlineThreadChoices, pickInlineThreads } from './inline-threads';

describe(inlineThreadChoices.name, () => {
  it('offers one thread and the thread budget (at most 4) under auto, and only the number INFERENCE_INLINE_INTRA_OP_THREADS sets otherwise', () => {
    expect(inlineThreadChoices(0, 2)).toEqual([1, 2]);
    expect(inlineThreadChoices(0, 1)).toEqual([1]);
    expect(inlineThreadChoices(0, 4)).toEqual([1, 4]);
    expect(inlineThreadChoices(0, 16)).toEqual([1, 4]);
    expect(inlineThreadChoices(1, 2)).toEqual([1]);
    expect(inlineThreadChoices(8, 2)).toEqual([8]);
  });
});

describe(pickInlineThreads.name, () => {
  it('keeps more threads only when they run a lone text in at most 0.85 of the time', () => {
    expect(
      pickInlineThreads(
        new Map([
          [1, 3.76],
          [2, 2.32],
        ]),
      ),
    ).toBe(2); // an AVX2-only VM
    expect(
      pickInlineThreads(
        new Map([
          [1, 0.41],
          [2, 0.67],
        ]),
      ),
    ).toBe(1); // an AVX-512 VNNI VM
    expect(
      pickInlineThreads(
        new Map([
          [1, 1.0],
          [2, 0.9],
        ]),
      ),
    ).toBe(1); // 10 % faster is not worth twice the CPU
    expect(
      pickInlineThreads(
        new Map([
          [2, 0.85],
          [1, 1.0],
        ]),
      ),
    ).toBe(2);
    expect(pickInlineThreads(new Map([[3, 1.0]]))).toBe(3);
  });
});
