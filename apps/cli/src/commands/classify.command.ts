// `emo classify [TEXT...]`: texts from arguments or stdin lines; a table, or JSON lines with --json.
import type { Command } from 'commander';
import { decodeUtf8Escaped, splitLines, isItemError, parseTaxonomy, type ClassifyOutcome } from '@emo/contracts';
import type { CliContext } from '../cli-context';
import { ellipsis, renderTable } from '../output/table';

interface ClassifyFlags {
  json?: boolean;
  model?: string;
  precision?: string;
  scores?: boolean;
  taxonomy?: string;
}

export function registerClassify(program: Command, ctx: CliContext): void {
  program
    .command('classify')
    .description('classify texts given as arguments, or one text per stdin line')
    .argument('[text...]', 'texts to classify (default: read lines from stdin)')
    .option('--json', 'one JSON object per text on stdout')
    .option('--model <dir>', 'model bundle directory (default: MODEL_DIR or the shipped model)')
    .option('--precision <p>', 'fp32|int8|fp16 variant of the model')
    .option('--scores', 'include every label score')
    .option(
      '--taxonomy <t>',
      "goemotions (the model's 28 labels, default) | ekman (Ekman's six + neutral) | sentiment (positive/negative/ambiguous/neutral)",
    )
    .action(async (texts: string[], flags: ClassifyFlags) => {
      const taxonomy = parseTaxonomy(flags.taxonomy);
      const input = texts.length > 0 ? texts : await readTextLines(process.stdin);
      const engine = await ctx.engine(flags);
      try {
        const outcomes = await engine.classify(input, { includeScores: flags.scores, taxonomy });
        process.stdout.write(
          flags.json
            ? outcomes.map((o) => `${JSON.stringify(o)}\n`).join('')
            : `${classifyTable(input, outcomes, { scores: flags.scores })}\n`,
        );
      } finally {
        await engine.close();
      }
    });
}

/**
 * The readable answer: one row per text (shortened), its labels with two-decimal scores, or its
 * error; with `scores`, a column of every label's score, highest first.
 */
export function classifyTable(texts: readonly string[], outcomes: readonly ClassifyOutcome[], opts: { scores?: boolean } = {}): string {
  const rows = outcomes.map((o, i) => {
    const row = [
      ellipsis(texts[i], 48),
      isItemError(o)
        ? `error ${o.error.code}: ${o.error.message}`
        : o.labels.map((l) => `${l.label} ${l.score.toFixed(2)}`).join(', ') || '(none above threshold)',
    ];
    return opts.scores ? [...row, isItemError(o) ? '' : scoreList(o.scores)] : row;
  });
  return renderTable(opts.scores ? ['text', 'emotions', 'scores'] : ['text', 'emotions'], rows);
}

const scoreList = (scores: Readonly<Record<string, number>> | undefined): string =>
  Object.entries(scores ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([label, score]) => `${label} ${score.toFixed(2)}`)
    .join(', ');

/** Lines decoded on their bytes: a line that is not UTF-8 fails as TEXT_INVALID_UTF8, a genuine U+FFFD does not. */
export async function readTextLines(input: AsyncIterable<Uint8Array>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of splitLines(input)) lines.push(line instanceof Uint8Array ? decodeUtf8Escaped(line) : '');
  return lines;
}
