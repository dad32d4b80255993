// The bench suites behind `emo bench`, loaded only when a benchmark runs.
import { benchBackfill, benchBackfillLocal, benchBatching, benchCache, benchEngine, benchFleet, benchProfiler, benchScale } from '@emo/bench';
import { AppError } from '@emo/contracts';
import type { ModelBenchRow } from '@emo/onnx-tools';
import type { CliContext } from '../../cli-context';
import { renderTable } from '../../output/table';
import { SUITES, type BenchFlags } from '../bench.command';

type OnnxTools = typeof import('@emo/onnx-tools');

export async function runBench(suite: string, flags: BenchFlags, ctx: CliContext): Promise<void> {
  // Lazy like in `emo quantize`: ONNX tooling loads only for the suites that need it.
  const tools: OnnxTools = await import('@emo/onnx-tools');
  const { parseList } = tools;
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const config = ctx.config(flags.model ? { modelDir: flags.model } : {});
  let figures: Record<string, number | string>;
  if (suite === 'engine') figures = await benchEngine({ config, data: flags.data, limit: positive(flags.limit, '--limit'), repeats: positive(flags.repeats, '--repeats'), log });
  else if (suite === 'batching') figures = await benchBatching({ config, data: flags.data, limit: positive(flags.limit, '--limit'), repeats: positive(flags.repeats, '--repeats'), interactiveRequests: positive(flags.requests, '--requests'), log });
  else if (suite === 'model') {
    const report = await tools.benchModel({ config, data: flags.data, grid: modelGrid(flags, tools), log });
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
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AppError('CLI_USAGE', `${flag} must be a positive integer, got ${value}`);
  return n;
}

const LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
const VARIANTS = ['fp32', 'int8', 'fp16'] as const;

function modelGrid(flags: BenchFlags, { DEFAULT_MODEL_GRID, parseList }: OnnxTools) {
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
