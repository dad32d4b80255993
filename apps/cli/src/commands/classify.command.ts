// `emo classify [TEXT...]`: texts from arguments or stdin lines; a table, or JSON lines with --json.
import type { Command } from 'commander';
import { decodeUtf8Escaped, splitLines, isItemError } from '@emo/contracts';
import type { CliContext } from '../cli-context';
import { ellipsis, renderTable } from '../output/table';

interface ClassifyFlags {
  json?: boolean;
  model?: string;
  precision?: string;
  scores?: boolean;
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
    .action(async (texts: string[], flags: ClassifyFlags) => {
      const input = texts.length > 0 ? texts : await readStdinLines();
      const engine = await ctx.engine(flags);
      try {
        const outcomes = await engine.classify(input, { includeScores: flags.scores });
        if (flags.json) {
          for (const o of outcomes) process.stdout.write(`${JSON.stringify(o)}\n`);
          return;
        }
        const rows = outcomes.map((o, i) => [
          ellipsis(input[i], 48),
          isItemError(o) ? `error ${o.error.code}: ${o.error.message}` : o.labels.map((l) => `${l.label} ${l.score.toFixed(2)}`).join(', ') || '(none above threshold)',
        ]);
        process.stdout.write(`${renderTable(['text', 'emotions'], rows)}\n`);
      } finally {
        await engine.close();
      }
    });
}

/** Stdin lines decoded on their bytes: a line that is not UTF-8 fails as TEXT_INVALID_UTF8, a genuine U+FFFD does not. */
async function readStdinLines(): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of splitLines(process.stdin)) lines.push(line instanceof Uint8Array ? decodeUtf8Escaped(line) : '');
  return lines;
}
