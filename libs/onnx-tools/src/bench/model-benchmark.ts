// `emo bench model` (the CLI's bench command runs it; it lives here because bench/ may not
// import another tool library): model variants (fp32 vs int8, fp16 where it runs) × graph optimization
// levels × batch sizes × intra-op threads, texts/s and p50/p95 per batch, on the default model
// and the benchmark-only RoBERTa-base-shaped model. Inputs are real GoEmotions dev texts
// tokenized by each model's own tokenizer and packed into rows of exactly `seq` tokens.
// Variants of a cell run interleaved (see session-benchmark), so their ratio is fair on a
// shared machine. Variant models are built once into .emo-cache/bench-models/variants/.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { checkPrecisionForProviders, type AppConfig, type Precision } from '@emo/config';
import { AppError } from '@emo/contracts';
import { BundleTokenizer } from '@emo/inference';
import { loadModelBundle, resolveModelDir, type ModelBundle } from '@emo/model';
import { benchModelsDir, ensureRobertaShapedBundle, ROBERTA_SHAPED_NAME } from '../generate/roberta-shaped-bundle';
import { buildVariant } from '../quantize/build-variant';
import { timeVariants, type BenchVariant, type TimingBudget, type VariantTiming } from './session-benchmark';
import { goEmotionsSplit, goEmotionsTexts } from './shared-data';

export interface ModelBenchGrid {
  readonly models: readonly string[];
  readonly variants?: readonly Precision[];
  readonly levels: readonly ('disabled' | 'basic' | 'extended' | 'all')[];
  readonly batches: readonly number[];
  readonly threads: readonly number[];
  readonly seq: number;
  readonly provider: 'cpu' | 'cuda';
}

export interface ModelBenchOptions {
  readonly config: AppConfig;
  readonly grid: ModelBenchGrid;
  readonly data?: string;
  readonly budget?: Partial<TimingBudget>;
  readonly log?: (message: string) => void;
}

export interface ModelBenchRow extends VariantTiming {
  readonly model: string;
  readonly provider: string;
  readonly level: string;
  readonly batch: number;
  readonly seq: number;
  readonly threads: number;
  /** This variant's texts/s over fp32's in the same cell. */
  readonly vs_fp32?: number;
}

export interface ModelBenchReport {
  readonly figures: Record<string, unknown>;
  readonly rows: readonly ModelBenchRow[];
}

export const DEFAULT_MODEL_GRID: Omit<ModelBenchGrid, 'provider'> = {
  models: ['default', ROBERTA_SHAPED_NAME],
  levels: ['basic', 'all'],
  batches: [1, 32],
  threads: [1, 2],
  seq: 64,
};
const DEFAULT_BUDGET: TimingBudget = { warmupRuns: 1, minRuns: 3, maxRuns: 50, maxSeconds: 4 };

export async function benchModel(opts: ModelBenchOptions): Promise<ModelBenchReport> {
  const log = opts.log ?? (() => undefined);
  const { grid } = opts;
  const budget = { ...DEFAULT_BUDGET, ...opts.budget };
  const variants = grid.variants ?? (grid.provider === 'cuda' ? ['fp32', 'fp16'] : ['fp32', 'int8']);
  const texts = goEmotionsTexts(opts.data ?? goEmotionsSplit('dev'), 4000);
  const rows: ModelBenchRow[] = [];
  const figures: Record<string, unknown> = {
    suite: 'model',
    provider: grid.provider,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    seq: grid.seq,
  };

  for (const modelName of grid.models) {
    const dir =
      modelName === ROBERTA_SHAPED_NAME
        ? await ensureRobertaShapedBundle({ log })
        : resolveModelDir(modelName === 'default' ? opts.config.engine.modelDir : modelName);
    const bundle = await loadModelBundle(dir);
    const usable = variants.filter((v) => {
      const check = checkPrecisionForProviders(v, [grid.provider], opts.config.onnx);
      if (check.verdict !== 'ok') log(`${bundle.name} ${v}: ${check.message}${check.verdict === 'refuse' ? ' (skipped)' : ''}`);
      return check.verdict !== 'refuse';
    });
    const benchVariants: BenchVariant[] = [];
    for (const v of usable)
      benchVariants.push({ name: v, modelPath: v === 'fp32' ? bundle.modelPath : await variantModel(bundle, v, log) });
    const packed = packRows(new BundleTokenizer(bundle, grid.seq), texts, grid.seq, Math.max(...grid.batches));

    for (const level of grid.levels) {
      for (const batch of grid.batches) {
        for (const threads of grid.threads) {
          const ids = packed.slice(0, batch * grid.seq);
          const cell = {
            provider: grid.provider,
            graphOptimizationLevel: level,
            intraOpThreads: threads,
            inputIds: ids,
            attentionMask: new BigInt64Array(ids.length).fill(1n),
            batch,
            seq: grid.seq,
          };
          const timings = await timeVariants(benchVariants, cell, budget);
          const fp32 = timings.find((t) => t.variant === 'fp32');
          for (const t of timings) {
            const row: ModelBenchRow = {
              model: bundle.name,
              provider: grid.provider,
              level,
              batch,
              seq: grid.seq,
              threads,
              ...t,
              ...(fp32 && t !== fp32 ? { vs_fp32: round(t.texts_per_s / fp32.texts_per_s, 3) } : {}),
            };
            rows.push(row);
            log(
              `${row.model} ${row.variant} level=${level} batch=${batch} threads=${threads}: ${row.texts_per_s} texts/s p50 ${row.p50_ms} ms p95 ${row.p95_ms} ms${row.vs_fp32 ? ` (${row.vs_fp32}× fp32)` : ''}`,
            );
          }
        }
      }
    }
    const key = modelName === ROBERTA_SHAPED_NAME ? 'roberta' : 'default';
    figures[`${key}_model`] = `${bundle.name}@${bundle.revision}`;
    for (const v of usable.filter((x) => x !== 'fp32')) {
      const best = headline(rows, bundle.name, v, grid);
      if (best !== undefined) figures[`${key}_${v}_vs_fp32`] = best;
    }
  }
  // The issue's headline: int8 over fp32 on the RoBERTa-shaped model at batch 32.
  if (figures.roberta_int8_vs_fp32 !== undefined) figures.int8_vs_fp32 = figures.roberta_int8_vs_fp32;
  if (figures.roberta_fp16_vs_fp32 !== undefined) figures.fp16_vs_fp32 = figures.roberta_fp16_vs_fp32;
  figures.rows = rows;
  return { figures, rows };
}

/** vs_fp32 at the headline cell: level all (else the highest level run), batch 32 (else the largest), most threads. */
function headline(rows: readonly ModelBenchRow[], model: string, variant: string, grid: ModelBenchGrid): number | undefined {
  const order = ['disabled', 'basic', 'extended', 'all'];
  const level = [...grid.levels].sort((a, b) => order.indexOf(b) - order.indexOf(a))[0];
  const batch = grid.batches.includes(32) ? 32 : Math.max(...grid.batches);
  const threads = Math.max(...grid.threads);
  return rows.find((r) => r.model === model && r.variant === variant && r.level === level && r.batch === batch && r.threads === threads)
    ?.vs_fp32;
}

/** Token ids of consecutive texts, concatenated and cut into `rows` rows of exactly `seq` tokens. */
function packRows(tokenizer: BundleTokenizer, texts: readonly string[], seq: number, rows: number): BigInt64Array {
  const out = new BigInt64Array(rows * seq);
  let filled = 0;
  for (let i = 0; filled < out.length; i = (i + 1) % texts.length) {
    for (const id of tokenizer.encode(texts[i]).ids) {
      if (filled >= out.length) break;
      out[filled++] = BigInt(id);
    }
  }
  return out;
}

/** The int8/fp16 variant of a bundle's model, built once per source hash and tool version. */
async function variantModel(bundle: ModelBundle, mode: 'int8' | 'fp16', log: (m: string) => void): Promise<string> {
  const dir = join(benchModelsDir(), 'variants');
  const path = join(dir, `${bundle.name}-${bundle.modelSha256.slice(0, 16)}-${mode}-v${VARIANT_VERSION}.onnx`);
  if (existsSync(path)) return path;
  log(`building the ${mode} variant of ${bundle.name}`);
  const { bytes, transform } = buildVariant(await readFile(bundle.modelPath), mode);
  log(`${mode}: ${JSON.stringify({ ...transform, skipped: undefined })}`);
  await mkdir(dir, { recursive: true });
  await writeFile(`${path}.tmp-${process.pid}`, bytes);
  await rename(`${path}.tmp-${process.pid}`, path);
  // Variants of an older model revision or tool version are dead weight (hundreds of MB each).
  const ours = new RegExp(`^${bundle.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{16}-${mode}-v\\d+\\.onnx$`);
  const stale = (await readdir(dir)).filter((f) => ours.test(f) && join(dir, f) !== path);
  await Promise.all(stale.map((f) => rm(join(dir, f), { force: true })));
  return path;
}

/** Bump when the quantizer's output changes, so cached variants are rebuilt. */
const VARIANT_VERSION = 3;

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function parseList<T>(value: string | undefined, fallback: readonly T[], parse: (s: string) => T, flag: string): readonly T[] {
  if (value === undefined) return fallback;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new AppError('CLI_USAGE', `${flag} needs at least one value`);
  return items.map(parse);
}
