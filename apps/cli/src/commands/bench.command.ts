// `emo bench SUITE [--json]`: benchmarks from bench/. Progress on stderr; with --json the last
// stdout line is one JSON object of named figures.
import type { Command } from 'commander';
import { benchBackfillLocal, benchFleet, benchBatching, benchCache, benchEngine } from '@emo/bench';
import { AppError } from '@emo/contracts';
import type { CliContext } from '../cli-context';

interface BenchFlags {
  json?: boolean;
  data?: string;
  limit?: string;
  lines?: string;
  texts?: string;
  calls?: string;
  messages?: string;
  repeats?: string;
  requests?: string;
  model?: string;
}

const SUITES = ['engine', 'backfill-local', 'batching', 'cache', 'fleet'] as const;

export function registerBench(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description(`run a benchmark suite: ${SUITES.join(', ')}`)
    .argument('<suite>', SUITES.join('|'))
    .option('--json', 'print the figures as one JSON object (last stdout line)')
    .option('--data <file>', 'GoEmotions TSV to draw texts from (default: ../shared dev split)')
    .option('--limit <n>', 'texts to use (engine)', '2000')
    .option('--repeats <n>', 'timed rounds per variant; medians are reported', '3')
    .option('--requests <n>', 'batching: interactive requests timed under bulk load', '200')
    .option('--lines <n>', 'messages in the generated chat log (backfill-local)', '100000')
    .option('--messages <n>', 'messages in the generated chat-log workload (cache)', '20000')
    .option('--model <dir>', 'model bundle directory')
    .option('--texts <n>', 'texts in the bulk job (fleet)', '50000')
    .option('--calls <n>', 'single-text /v1/classify calls timed (fleet)', '200')
    .action(async (suite: string, flags: BenchFlags) => {
      const log = (m: string) => process.stderr.write(`${m}\n`);
      const config = ctx.config(flags.model ? { modelDir: flags.model } : {});
      let figures: Record<string, number | string>;
      if (suite === 'engine') figures = await benchEngine({ config, data: flags.data, limit: positive(flags.limit, '--limit'), repeats: positive(flags.repeats, '--repeats'), log });
      else if (suite === 'batching') figures = await benchBatching({ config, data: flags.data, limit: positive(flags.limit, '--limit'), repeats: positive(flags.repeats, '--repeats'), interactiveRequests: positive(flags.requests, '--requests'), log });
      else if (suite === 'backfill-local') figures = await benchBackfillLocal({ lines: positive(flags.lines, '--lines') ?? 100_000, log });
      else if (suite === 'cache') figures = await benchCache({ config, data: flags.data, messages: positive(flags.messages, '--messages') ?? 20_000, repeats: positive(flags.repeats, '--repeats'), log });
      else if (suite === 'fleet') figures = await benchFleet({ config, texts: positive(flags.texts, '--texts'), classifyCalls: positive(flags.calls, '--calls'), log });
      else throw new AppError('CLI_USAGE', `unknown bench suite "${suite}"; allowed: ${SUITES.join(', ')}`);
      if (flags.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
      else process.stdout.write(`${Object.entries(figures).map(([k, v]) => `${k.padEnd(24)} ${v}`).join('\n')}\n`);
    });
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AppError('CLI_USAGE', `${flag} must be a positive integer, got ${value}`);
  return n;
}
