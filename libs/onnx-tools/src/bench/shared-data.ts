// Inputs the offline tools read from ../shared (never copied into the repo): GoEmotions texts
// and labels, the RoBERTa tokenizer.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '@emo/contracts';
import { packageRoot } from '@emo/model';

export function sharedDataDir(): string {
  return resolve(packageRoot(), '..', 'shared');
}

export function goEmotionsSplit(split: 'train' | 'dev'): string {
  return join(sharedDataDir(), 'datasets', 'goemotions', 'original', `${split}.tsv`);
}

/** GoEmotions label names in id order (labels.txt). */
export function goEmotionsLabels(): string[] {
  const path = join(sharedDataDir(), 'datasets', 'goemotions', 'original', 'labels.txt');
  return readLines(path)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The first column of a GoEmotions TSV, up to `limit` rows. */
export function goEmotionsTexts(path: string, limit: number): string[] {
  const out: string[] = [];
  for (const line of readLines(path)) {
    if (out.length >= limit) break;
    const tab = line.indexOf('\t');
    if (tab > 0) out.push(line.slice(0, tab));
  }
  return out;
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n');
  } catch (e) {
    throw new AppError('CLI_USAGE', `${path} not found (${(e as Error).message}); pass --data or check ../shared`);
  }
}
