// Benchmark inputs from ../shared (never copied into the repo): GoEmotions texts.
import { goEmotionsSplit, goEmotionsTexts, sharedDataDir } from '@emo/onnx-tools';

/** ../shared beside the checkout (GoEmotions, GloVe, the RoBERTa tokenizer). */
export const sharedDir = sharedDataDir;

export const goEmotionsPath = goEmotionsSplit;

/** Texts (first column) of a GoEmotions TSV. */
export function loadGoEmotionsTexts(path: string, limit = Number.POSITIVE_INFINITY): string[] {
  return goEmotionsTexts(path, limit);
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile (q in 0..1) of the values, in any order; NaN when there are none. */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/**
 * Timed texts and warm-up texts that share none: the first `limit` texts of the pool are timed,
 * the rest of the pool (minus any equal to a timed one) warms up; a pool with nothing left over
 * warms up on the timed texts with a suffix. So no timed text has been through a variant (or a
 * cache) before it is timed.
 */
export function splitNeverSeen(pool: readonly string[], limit: number): { texts: string[]; warm: string[] } {
  const texts = pool.slice(0, limit);
  const timed = new Set(texts);
  const warm = pool.slice(limit).filter((t) => !timed.has(t));
  return { texts, warm: warm.length > 0 ? warm : texts.map((t) => `${t} (warm-up)`) };
}
