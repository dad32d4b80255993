// Reads a GoEmotions-format TSV (text \t comma-separated label ids \t id, no header): the texts
// and gold label sets the accuracy gate evaluates on.
import { readFile } from 'node:fs/promises';
import { AppError } from '@emo/contracts';

export interface LabelledTexts {
  readonly texts: string[];
  readonly labelIds: ReadonlySet<number>[];
}

export async function readLabelledTsv(path: string, limit = Number.POSITIVE_INFINITY): Promise<LabelledTexts> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (e) {
    throw new AppError('CLI_USAGE', `cannot read the gate dataset ${path} (${(e as Error).message}); pass --data FILE.tsv`);
  }
  const texts: string[] = [];
  const labelIds: Set<number>[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length && texts.length < limit; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const [text, ids = ''] = line.split('\t');
    const parsed = ids
      .split(',')
      .filter((s) => s !== '')
      .map(Number);
    if (!text || parsed.some((n) => !Number.isInteger(n) || n < 0))
      throw new AppError('LINE_MALFORMED', `${path}:${i + 1}: expected text \\t label ids \\t id`);
    texts.push(text);
    labelIds.push(new Set(parsed));
  }
  if (texts.length === 0) throw new AppError('CLI_USAGE', `the gate dataset ${path} has no rows`);
  return { texts, labelIds };
}
