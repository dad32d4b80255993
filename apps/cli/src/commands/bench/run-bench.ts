// The bench suites behind `emo bench`, loaded only when a benchmark runs.
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  benchBackfill,
  benchBackfillLocal,
  benchBatching,
  benchCache,
  benchControlPlane,
  benchEngine,
  benchFairness,
  benchFleet,
  benchInteractive,
  benchProfiler,
  benchScale,
  benchSoak,
} from '@emo/bench';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import type { ModelBenchGrid, ModelBenchRow } from '@emo/onnx-tools';
import type { CliContext } from '../../cli-context';
import { renderTable } from '../../output/table';
import { SUITES, type BenchFlags } from '../bench.command';

type OnnxTools = typeof import('@emo/onnx-tools');
type Figures = Record<string, unknown>;

export async function runBench(suite: string, flags: BenchFlags, ctx: CliContext): Promise<void> {
  // Lazy like in `emo quantize`: ONNX tooling loads only for the suites that need it.
  const tools: OnnxTools = await import('@emo/onnx-tools');
  const { parseList } = tools;
  const log = (m: string) => process.stderr.write(`${m}\n`);
  // Benchmarks may run benchmark_only bundles (random weights): their speed is what is measured.
  const config = ctx.config({ ...(flags.model ? { modelDir: flags.model } : {}), allowBenchmarkModel: true });
  const quick = flags.quick === true;
  // An explicit flag wins; otherwise the full run's size, or --quick's tiny one.
  const size = (value: string | undefined, flag: string, full: number, small: number): number =>
    positive(value, flag) ?? (quick ? small : full);
  const limit = (full: number, small: number) => size(flags.limit, '--limit', full, small);
  const repeats = (small: number) => size(flags.repeats, '--repeats', 3, small);
  // Suites that draw from the (larger) train split read the dev split under --quick.
  const data = flags.data ?? (quick ? tools.goEmotionsSplit('dev') : undefined);
  let figures: Figures;
  if (suite === 'engine') figures = await benchEngine({ config, data: flags.data, limit: limit(2000, 128), repeats: repeats(1), log });
  else if (suite === 'batching')
    figures = await benchBatching({
      config,
      data: flags.data,
      limit: limit(2000, 128),
      repeats: repeats(1),
      interactiveRequests: size(flags.requests, '--requests', 200, 10),
      quick,
      log,
    });
  else if (suite === 'model') {
    const grid = modelGrid(flags, tools, quick);
    const report =
      quick && flags.models === undefined
        ? await quickModelBench(tools, config, grid, flags.data, log)
        : await tools.benchModel({ config, data: flags.data, grid, budget: quick ? QUICK_MODEL_BUDGET : undefined, log });
    if (!flags.json) process.stdout.write(`${modelTable(report.rows)}\n\n`);
    figures = Object.fromEntries(Object.entries(report.figures).filter(([k]) => flags.json || k !== 'rows'));
  } else if (suite === 'backfill-local')
    figures = await benchBackfillLocal({ lines: size(flags.lines, '--lines', 100_000, 500), data, log });
  else if (suite === 'cache')
    figures = await benchCache({
      config,
      data,
      messages: size(flags.messages, '--messages', 20_000, 300),
      repeats: repeats(1),
      quick,
      log,
    });
  else if (suite === 'profiler')
    figures = await benchProfiler({ config, data: flags.data, limit: limit(2000, 128), repeats: repeats(2), quick, log });
  else if (suite === 'fleet')
    figures = await benchFleet({
      config,
      data,
      texts: size(flags.texts, '--texts', 50_000, 300),
      classifyCalls: size(flags.calls, '--calls', 200, 10),
      quick,
      ...(flags.against ? { against: resolve(flags.against) } : {}),
      ...(flags.against || flags.rounds !== undefined ? { rounds: size(flags.rounds, '--rounds', 4, 2) } : {}),
      log,
    });
  else if (suite === 'scale')
    figures = await benchScale({
      config,
      data,
      texts: size(flags.texts, '--texts', 20_000, 384),
      repeats: repeats(1),
      reuseWorkers: quick,
      log,
    });
  else if (suite === 'backfill')
    figures = await benchBackfill({
      config,
      data,
      lines: size(flags.lines, '--lines', 100_000, 300),
      variants: parseList(flags.runs, quick ? ['engine', 'local', '1', 'mixed', '2'] : ['engine', '1', '2'], (s) => s, '--runs'),
      reuseFleet: quick,
      log,
    });
  else if (suite === 'fairness')
    figures = await benchFairness({
      config,
      data,
      texts: size(flags.texts, '--texts', 200_000, 20_000),
      bTexts: size(flags.bTexts, '--b-texts', 5000, 256),
      bAloneRuns: quick ? 1 : 3,
      log,
    });
  else if (suite === 'interactive')
    figures = await benchInteractive({
      config,
      data,
      // Without --calls (and --quick) the bench sizes each level itself: 8,000 calls, 1,000 at c1.
      requests: flags.calls !== undefined || quick ? size(flags.calls, '--calls', 8000, 40) : undefined,
      warmUpRequests: flags.warmUpCalls !== undefined || quick ? size(flags.warmUpCalls, '--warm-up-calls', 4000, 20) : undefined,
      concurrency: parseList(
        flags.concurrency,
        quick ? [1, 4] : [1, 16, 64, 256],
        (s) => positive(s, '--concurrency') as number,
        '--concurrency',
      ),
      ...(flags.against ? { against: resolve(flags.against), rounds: size(flags.rounds, '--rounds', 4, 2) } : {}),
      log,
    });
  else if (suite === 'control-plane')
    figures = await benchControlPlane({
      config,
      data,
      targets: parseList(flags.targets, ['single', 'cluster'] as const, oneOf(['single', 'cluster'] as const, '--targets'), '--targets'),
      workerCounts: parseList(flags.workers, quick ? [1, 2] : [1, 4, 16], (s) => positive(s, '--workers') as number, '--workers'),
      texts: size(flags.texts, '--texts', 10_000, 600),
      jobTexts: size(flags.jobTexts, '--job-texts', 1000, 100),
      clients: size(flags.concurrency, '--concurrency', 8, 2),
      idleSeconds: quick ? 1 : 3,
      log,
    });
  else if (suite === 'soak')
    figures = await benchSoak({
      config,
      data,
      minutes: minutes(flags.minutes) ?? (quick ? 0.15 : 30),
      sampleSeconds: quick ? 0.5 : undefined,
      log,
    });
  else throw new AppError('CLI_USAGE', `unknown bench suite "${suite}"; allowed: ${SUITES.join(', ')}`);
  if (quick) figures = { ...figures, quick: 'yes' };
  if (flags.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else
    process.stdout.write(
      `${Object.entries(figures)
        .map(([k, v]) => `${k.padEnd(24)} ${String(v)}`)
        .join('\n')}\n`,
    );
}

const oneOf =
  <T extends string>(allowed: readonly T[], flag: string) =>
  (s: string): T => {
    if (!(allowed as readonly string[]).includes(s)) throw new AppError('CLI_USAGE', `${flag}: "${s}" is not one of ${allowed.join(', ')}`);
    return s as T;
  };

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AppError('CLI_USAGE', `${flag} must be a positive integer, got ${value}`);
  return n;
}

function minutes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new AppError('CLI_USAGE', `--minutes must be a positive number, got ${value}`);
  return n;
}

const LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
const VARIANTS = ['fp32', 'int8', 'fp16'] as const;

/** --quick: both levels, batches 1 and 4, one intra-op thread, rows of 16 tokens, three timed runs a cell. */
const QUICK_MODEL_GRID = { batches: [1, 4], threads: [1], seq: 16 } as const;
const QUICK_MODEL_BUDGET = { warmupRuns: 1, minRuns: 3, maxRuns: 3, maxSeconds: 0 };
/** The RoBERTa-shaped model of --quick: the real vocabulary and labels, a two-layer 64-wide encoder. */
const QUICK_ROBERTA = { name: 'roberta-tiny-shaped', encoder: { layers: 2, hidden: 64, heads: 2, ffn: 128 } };

function modelGrid(flags: BenchFlags, { DEFAULT_MODEL_GRID, parseList }: OnnxTools, quick: boolean): ModelBenchGrid {
  const count = (flag: string) => (s: string) => positive(s, flag) as number;
  return {
    models: parseList(flags.models, DEFAULT_MODEL_GRID.models, (s) => s, '--models'),
    variants: flags.variants === undefined ? undefined : parseList(flags.variants, VARIANTS, oneOf(VARIANTS, '--variants'), '--variants'),
    levels: parseList(flags.levels, DEFAULT_MODEL_GRID.levels, oneOf(LEVELS, '--levels'), '--levels'),
    batches: parseList(flags.batches, quick ? QUICK_MODEL_GRID.batches : DEFAULT_MODEL_GRID.batches, count('--batches'), '--batches'),
    threads: parseList(flags.threads, quick ? QUICK_MODEL_GRID.threads : DEFAULT_MODEL_GRID.threads, count('--threads'), '--threads'),
    seq: positive(flags.seq, '--seq') ?? (quick ? QUICK_MODEL_GRID.seq : DEFAULT_MODEL_GRID.seq),
    provider: oneOf(['cpu', 'cuda'] as const, '--provider')(flags.provider ?? 'cpu'),
  };
}

/**
 * --quick without --models: the default model, then a tiny RoBERTa-shaped model in place of the
 * roberta-base-shaped one (generating that takes minutes), with the figures the full run names:
 * the tiny model's figures come back under `default_*` (benchModel keys any model other than
 * roberta-base-shaped so) and are renamed `roberta_*`, with the headline aliases the full run adds.
 */
async function quickModelBench(
  tools: OnnxTools,
  config: AppConfig,
  grid: ModelBenchGrid,
  data: string | undefined,
  log: (m: string) => void,
): Promise<{ figures: Figures; rows: readonly ModelBenchRow[] }> {
  const run = (model: string) => tools.benchModel({ config, data, grid: { ...grid, models: [model] }, budget: QUICK_MODEL_BUDGET, log });
  const base = await run('default');
  const tinyDir = await tools.ensureRobertaShapedBundle({
    dir: join(tools.benchModelsDir(), QUICK_ROBERTA.name),
    encoder: QUICK_ROBERTA.encoder,
    log,
  });
  // Its own name, so its cached int8/fp16 variants never replace those of roberta-base-shaped.
  const configPath = join(tinyDir, 'config.json');
  const bundleConfig = JSON.parse(await readFile(configPath, 'utf8')) as { name?: string };
  if (bundleConfig.name !== QUICK_ROBERTA.name)
    await writeFile(configPath, `${JSON.stringify({ ...bundleConfig, name: QUICK_ROBERTA.name }, null, 2)}\n`);
  const tiny = await run(tinyDir);
  const figures: Figures = Object.fromEntries(Object.entries(base.figures).filter(([k]) => k !== 'rows'));
  for (const [key, value] of Object.entries(tiny.figures))
    if (key.startsWith('default_')) figures[`roberta_${key.slice('default_'.length)}`] = value;
  for (const v of ['int8', 'fp16'])
    if (figures[`roberta_${v}_vs_fp32`] !== undefined) figures[`${v}_vs_fp32`] = figures[`roberta_${v}_vs_fp32`];
  const rows = [...base.rows, ...tiny.rows];
  figures.rows = rows;
  return { figures, rows };
}

function modelTable(rows: readonly ModelBenchRow[]): string {
  return renderTable(
    ['model', 'variant', 'provider', 'level', 'batch', 'seq', 'threads', 'texts/s', 'p50 ms', 'p95 ms', 'vs fp32'],
    rows.map((r) => [
      r.model,
      r.variant,
      r.provider,
      r.level,
      String(r.batch),
      String(r.seq),
      String(r.threads),
      r.texts_per_s.toFixed(1),
      r.p50_ms.toFixed(1),
      r.p95_ms.toFixed(1),
      r.vs_fp32 === undefined ? '' : `${r.vs_fp32.toFixed(2)}x`,
    ]),
  );
}
