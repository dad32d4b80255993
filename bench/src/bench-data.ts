// Benchmark inputs from ../shared (never copied into the repo): GoEmotions texts.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '@emo/contracts';
import { packageRoot } from '@emo/model';

export function sharedDir(): string {
  return resolve(packageRoot(), '..', 'shared');
}

export function goEmotionsPath(split: 'train' | 'dev'): string {
  return join(sharedDir(), 'datasets', 'goemotions', 'original', `${split}.tsv`);
}

/** Texts of a GoEmotions TSV (first column). */
export function loadGoEmotionsTexts(path: string, limit = Number.POSITIVE_INFINITY): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AppError('CLI_USAGE', `benchmark data not found at ${path} (${(e as Error).message}); pass --data`);
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (out.length >= limit) break;
    const tab = line.indexOf('\t');
    if (tab > 0) out.push(line.slice(0, tab));
  }
  return out;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
