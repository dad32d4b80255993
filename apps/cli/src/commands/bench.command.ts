// `emo bench SUITE [--json]`: benchmarks from bench/. Progress on stderr; with --json the last
// stdout line is one JSON object of named figures.
import type { Command } from 'commander';
import { benchBackfillLocal, benchFleet, benchBatching, benchCache, benchEngine, benchProfiler, benchScale } from '@emo/bench';
import { benchBackfill } from '@emo/bench';
import { AppError } from '@emo/contracts';
import { benchModel, DEFAULT_MODEL_GRID, parseList, type ModelBenchRow } from '@emo/onnx-tools';
import type { CliContext } from '../cli-context';
import { renderTable } from '../output/table';

interface BenchFlags {
  json?: boolean;
  data?: string;
  limit?: string;
  lines?: string;
  runs?: string;
  texts?: string;
  calls?: string;
  messages?: string;
  repeats?: string;
  requests?: string;
  model?: string;
  models?: string;
  variants?: string;
  levels?: string;
  batches?: string;
  threads?: string;
  seq?: string;
  provider?: string;
}

const SUITES = ['engine', 'backfill-local', 'model', 'batching', 'cache', 'fleet', 'profiler', 'scale', 'backfill'] as const;

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
    .option('--lines <n>', 'messages in the generated chat log (backfill-local, backfill)', '100000')
    .option('--runs <list>', 'backfill: which runs, comma-separated: engine,1,2 (fleet workers)', 'engine,1,2')
    .option('--messages <n>', 'messages in the generated chat-log workload (cache)', '20000')
    .option('--model <dir>', 'model bundle directory')
    .option('--texts <n>', 'texts in the bulk job (fleet)', '50000')
    .option('--calls <n>', 'single-text /v1/classify calls timed (fleet)', '200')
    .option('--models <list>', `model: comma-separated "default", "${DEFAULT_MODEL_GRID.models[1]}" or bundle dirs`, DEFAULT_MODEL_GRID.models.join(','))
    .option('--variants <list>', 'model: fp32,int8,fp16 (default fp32,int8 on cpu; fp32,fp16 on cuda)')
    .option('--levels <list>', 'model: graph optimization levels (disabled,basic,extended,all)', DEFAULT_MODEL_GRID.levels.join(','))
    .option('--batches <list>', 'model: batch sizes', DEFAULT_MODEL_GRID.batches.join(','))
    .option('--threads <list>', 'model: intra-op thread counts', DEFAULT_MODEL_GRID.threads.join(','))
    .option('--seq <n>', 'model: tokens per row', String(DEFAULT_MODEL_GRID.seq))
    .option('--provider <p>', 'model: cpu|cuda', 'cpu')
    .action(async (suite: string, flags: BenchFlags) => {
      const log = (m: string) => process.stderr.write(`${m}\n`);
      const config = ctx.config(flags.model ? { modelDir: flags.model } : {});
      let figures: Record<string, number | string>;
      if (suite === 'engine') figures = await benchEngine({ config, data: flags.data, limit: positive(flags.limit, '--limit'), repeats: positive(flags.repeats, '--repeats'), log });
      else if (suite === 'batching') figures = await benchBatching({ config, data: flags.data, limit: positive(flags.limit, '--limit'), repeats: positive(flags.repeats, '--repeats'), interactiveRequests: positive(flags.requests, '--requests'), log });
      else if (suite === 'model') {
        const report = await benchModel({ config, data: flags.data, grid: modelGrid(flags), log });
        if (!flags.json) process.stdout.write(`${modelTable(report.rows)}\n\n`);
        figures = Object.fromEntries(Object.entries(report.figures).filter(([k]) => flags.json || k !== 'rows')) as Record<string, number | string>;
      } else if (suite === 'backfill-local') figures = await benchBackfillLocal({ lines: positive(flags.lines, '--lines') ?? 100_000, log });
      else if (suite === 'cache') figures = await benchCache({ config, data: flags.data, messages: positive(flags.messages, '--messages') ?? 20_000, repeats: positive(flags.repeats, '--repeats'), log });
      else if (suite === 'profiler') figures = await benchProfiler({ config, data: flags.data, limit: positive(flags.limit, '--limit'), repeats: positive(flags.repeats, '--repeats'), log });
      else if (suite === 'fleet') figures = await benchFleet({ config, texts: positive(flags.texts, '--texts'), classifyCalls: positive(flags.calls, '--calls'), log });
      else if (suite === 'scale') figures = await benchScale({ config, texts: positive(flags.texts, '--texts') ?? 20_000, repeats: positive(flags.repeats, '--repeats'), log });
      else if (suite === 'backfill') figures = await benchBackfill({ config, lines: positive(flags.lines, '--lines') ?? 100_000, variants: parseList(flags.runs, ['engine', '1', '2'], (s) => s, '--runs'), log });
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

const LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
const VARIANTS = ['fp32', 'int8', 'fp16'] as const;

function modelGrid(flags: BenchFlags) {
  const oneOf = <T extends string>(allowed: readonly T[], flag: string) => (s: string): T => {
    if (!(allowed as readonly string[]).includes(s)) throw new AppError('CLI_USAGE', `${flag}: "${s}" is not one of ${allowed.join(', ')}`);
    return s as T;
  };
  const count = (flag: string) => (s: string) => positive(s, flag) as number;
  return {
    models: parseList(flags.models, DEFAULT_MODEL_GRID.models, (s) => s, '--models'),
    variants: flags.variants === undefined ? undefined : parseList(flags.variants, VARIANTS, oneOf(VARIANTS, '--variants'), '--variants'),
    levels: parseList(flags.levels, DEFAULT_MODEL_GRID.levels, oneOf(LEVELS, '--levels'), '--levels'),
    batches: parseList(flags.batches, DEFAULT_MODEL_GRID.batches, count('--batches'), '--batches'),
    threads: parseList(flags.threads, DEFAULT_MODEL_GRID.threads, count('--threads'), '--threads'),
    seq: positive(flags.seq, '--seq') ?? DEFAULT_MODEL_GRID.seq,
    provider: oneOf(['cpu', 'cuda'] as const, '--provider')(flags.provider ?? 'cpu'),
  };
}

function modelTable(rows: readonly ModelBenchRow[]): string {
  return renderTable(
    ['model', 'variant', 'provider', 'level', 'batch', 'seq', 'threads', 'texts/s', 'p50 ms', 'p95 ms', 'vs fp32'],
    rows.map((r) => [r.model, r.variant, r.provider, r.level, String(r.batch), String(r.seq), String(r.threads), r.texts_per_s.toFixed(1), r.p50_ms.toFixed(1), r.p95_ms.toFixed(1), r.vs_fp32 === undefined ? '' : `${r.vs_fp32.toFixed(2)}x`]),
  );
}
