// `emo quantize` end to end: read a bundle's model.onnx, build the int8 or fp16 variant, write a
// complete bundle (tokenizer, config, thresholds copied) into a staging folder, evaluate it
// against the original on a labelled dataset, and move it into place only if it passes the gate
// (or --force). quantization.json records where it came from and how it scored.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AppError, isItemError } from '@emo/contracts';
import {
  InferenceEngine,
  probeInt8Kernel,
  readCpuFeatures,
  type CpuFeatures,
  type EngineConfigSections,
  type Int8KernelProbe,
} from '@emo/inference';
import { baseOfVariant, loadModelBundle, packageRoot } from '@emo/model';
import { compareVariants, gateFailures, type GateThresholds, type ModelAnswers, type VariantComparison } from './accuracy-gate';
import { buildVariant, type QuantizeMode } from './build-variant';
import type { Fp16Report } from './fp16-converter';
import type { Int8Options, Int8Report } from './int8-dynamic-quantizer';
import { readLabelledTsv, type LabelledTexts } from './labelled-tsv';
import { writeVariantCard } from './variant-card';

/**
 * int8 weight range: 'on' = 7-bit weights, exact on every x86 int8 kernel (the default: a variant
 * travels between machines); 'off' = 8-bit weights, exact only where the kernel does not saturate
 * (VNNI, ARM); 'auto' = 'off' where this machine's kernel is exact, else 'on'.
 */
export type ReduceRangeMode = 'on' | 'off' | 'auto';

/** The machine a gate ran on: what /proc/cpuinfo says, and what the int8 kernel probe measured. */
export interface GateMachine extends CpuFeatures {
  readonly int8_kernel: Int8KernelProbe;
}

export interface GateRecord {
  readonly dataset: string;
  readonly thresholds: GateThresholds;
  readonly metrics: VariantComparison;
  readonly passed: boolean;
  readonly forced: boolean;
  readonly failures: readonly string[];
  readonly machine: GateMachine;
  readonly checked_at: string;
}

export interface QuantizeBundleOptions {
  readonly modelDir: string;
  readonly outDir: string;
  readonly mode: QuantizeMode;
  /** Write the variant even when it fails the gate (recorded in quantization.json). */
  readonly force?: boolean;
  /** GoEmotions-format TSV (text, comma-separated label ids, id) for the accuracy gate. */
  readonly dataPath: string;
  readonly limit?: number;
  readonly thresholds: GateThresholds;
  readonly int8?: Omit<Int8Options, 'reduceRange'> & { readonly reduceRange?: ReduceRangeMode };
  /** Config the evaluation engines are built from (model dir, precision, cache and batching budgets are set here). */
  readonly config: EngineConfigSections;
  readonly log?: (message: string) => void;
}

export interface Provenance {
  readonly tool: string;
  readonly tool_version: string;
  readonly onnxruntime: string;
  readonly mode: QuantizeMode;
  readonly created_at: string;
  readonly source: {
    readonly dir: string;
    readonly name: string;
    readonly revision: string;
    readonly model_sha256: string;
    readonly model_bytes: number;
  };
  readonly output: { readonly model_sha256: string; readonly model_bytes: number };
  readonly transform: Int8Report | Fp16Report;
  readonly options: Record<string, unknown>;
  readonly gate: GateRecord;
  /** Later gates of the same variant on other machines (`emo quantize --check --record`). */
  readonly checks?: readonly GateRecord[];
}

export const PROVENANCE_FILE = 'quantization.json';

export async function quantizeBundle(opts: QuantizeBundleOptions): Promise<Provenance> {
  const log = opts.log ?? (() => undefined);
  const source = await loadModelBundle(opts.modelDir);
  const outDir = resolve(opts.outDir);
  if (outDir === source.dir) throw new AppError('CLI_USAGE', '--out must differ from --model');
  await checkOutDir(outDir);
  const dataset = await readLabelledTsv(opts.dataPath, opts.limit);

  const machine = await gateMachine();
  const reduceRange = opts.int8?.reduceRange === 'off' ? false : opts.int8?.reduceRange === 'auto' ? machine.int8_kernel.saturates : true;
  if (opts.mode === 'int8' && !reduceRange && machine.int8_kernel.saturates) {
    log(
      `warning: this CPU's int8 kernel saturates full-range weights (no VNNI); the gate measures that, and the variant will be served as float32 on such CPUs (INT8_SATURATING_KERNEL)`,
    );
  }
  const int8: Int8Options = { ...opts.int8, reduceRange };
  log(`reading ${source.modelPath} (${(source.modelBytes / 1e6).toFixed(1)} MB)`);
  const { bytes, transform } = buildVariant(await readFile(source.modelPath), opts.mode, int8);
  log(`${opts.mode}: ${JSON.stringify(transform)}; ${(bytes.byteLength / 1e6).toFixed(1)} MB`);

  const staging = `${outDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await writeFile(join(staging, 'model.onnx'), bytes);
    for (const file of await readdir(source.dir)) {
      if (file === 'model.onnx' || file === PROVENANCE_FILE) continue;
      if ((await stat(join(source.dir, file))).isFile()) await copyFile(join(source.dir, file), join(staging, file));
    }

    log(
      `accuracy gate on ${dataset.texts.length} texts of ${opts.dataPath} (${machine.model}; int8 kernel ${machine.int8_kernel.saturates ? 'saturating' : 'exact'})`,
    );
    const { metrics, failures, passed } = await runGate(opts.config, source.dir, staging, source.labels, dataset, opts.thresholds);
    if (!passed && !opts.force) {
      throw new AppError(
        'ACCURACY_GATE_FAILED',
        `${opts.mode} variant of ${source.name} not written: ${failures.join('; ')} (use --force to write it anyway)`,
        { metrics, thresholds: opts.thresholds },
      );
    }
    const provenance: Provenance = {
      tool: 'emo-fleet onnx-tools',
      tool_version: await toolVersion(),
      onnxruntime: ort.env.versions.node ?? 'unknown',
      mode: opts.mode,
      created_at: new Date().toISOString(),
      source: {
        dir: source.dir,
        name: source.name,
        revision: source.revision,
        model_sha256: source.modelSha256,
        model_bytes: source.modelBytes,
      },
      output: { model_sha256: createHash('sha256').update(bytes).digest('hex'), model_bytes: bytes.byteLength },
      transform,
      options: {
        ...(opts.mode === 'int8'
          ? {
              ops: 'microsoft',
              perChannel: 'auto',
              embeddings: false,
              keepOutputLayer: true,
              keepEmbeddingProjection: true,
              ...int8,
              reduceRangeMode: opts.int8?.reduceRange ?? 'on',
            }
          : {}),
        limit: opts.limit ?? null,
      },
      gate: {
        dataset: resolve(opts.dataPath),
        thresholds: opts.thresholds,
        metrics,
        passed,
        forced: !passed,
        failures,
        machine,
        checked_at: new Date().toISOString(),
      },
    };
    await writeFile(join(staging, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`);
    await writeVariantCard(staging, provenance);
    await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);
    return provenance;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export interface CheckVariantOptions {
  /** The variant bundle (an `emo quantize` output). */
  readonly variantDir: string;
  /** Its float32 source; default: the bundle it was written beside. */
  readonly modelDir?: string;
  readonly dataPath: string;
  readonly limit?: number;
  readonly thresholds: GateThresholds;
  readonly config: EngineConfigSections;
  /** Append the result to quantization.json (`checks`) and the variant's model card. */
  readonly record?: boolean;
  readonly log?: (message: string) => void;
}

/**
 * Re-runs a variant's accuracy gate on this machine (its CPU and int8 kernel may differ from the
 * one it was built on): the answer to "does the shipped int8 model hold on my nodes?".
 */
export async function checkVariant(opts: CheckVariantOptions): Promise<GateRecord> {
  const dir = resolve(opts.variantDir);
  const provenance = JSON.parse(
    await readFile(join(dir, PROVENANCE_FILE), 'utf8').catch(() => {
      throw new AppError('CLI_USAGE', `${dir} has no ${PROVENANCE_FILE}: --check takes a bundle written by emo quantize`);
    }),
  ) as Provenance;
  const sourceDir = opts.modelDir ? resolve(opts.modelDir) : baseOfVariant(dir, provenance.mode);
  if (!sourceDir) throw new AppError('CLI_USAGE', `no float32 bundle beside ${dir}: pass --model`);
  const source = await loadModelBundle(sourceDir);
  if (source.modelSha256 !== provenance.source.model_sha256)
    throw new AppError(
      'MODEL_MISMATCH',
      `${dir} was quantized from a model with sha256 ${provenance.source.model_sha256.slice(0, 12)}, not ${source.dir} (${source.modelSha256.slice(0, 12)})`,
    );
  const dataset = await readLabelledTsv(opts.dataPath, opts.limit);
  const machine = await gateMachine();
  opts.log?.(
    `accuracy gate of ${dir} on ${dataset.texts.length} texts (${machine.model}; int8 kernel ${machine.int8_kernel.saturates ? 'saturating' : 'exact'})`,
  );
  const { metrics, failures, passed } = await runGate(opts.config, source.dir, dir, source.labels, dataset, opts.thresholds);
  const record: GateRecord = {
    dataset: resolve(opts.dataPath),
    thresholds: opts.thresholds,
    metrics,
    passed,
    forced: false,
    failures,
    machine,
    checked_at: new Date().toISOString(),
  };
  if (opts.record) {
    const updated: Provenance = { ...provenance, checks: [...(provenance.checks ?? []), record] };
    await writeFile(join(dir, PROVENANCE_FILE), `${JSON.stringify(updated, null, 2)}\n`);
    await writeVariantCard(dir, updated);
  }
  return record;
}

async function gateMachine(): Promise<GateMachine> {
  return { ...readCpuFeatures(), int8_kernel: await probeInt8Kernel() };
}

async function runGate(
  config: EngineConfigSections,
  sourceDir: string,
  variantDir: string,
  labels: readonly string[],
  dataset: LabelledTexts,
  thresholds: GateThresholds,
) {
  const original = await answers(config, sourceDir, dataset.texts);
  // Each bundle exactly as it is (precision fp32 serves a variant directory as itself), on this CPU.
  const variant = await answers(config, variantDir, dataset.texts);
  const gold = dataset.labelIds.map((ids) => new Set([...ids].filter((j) => j < labels.length)));
  const metrics = compareVariants(labels, gold, original, variant);
  const failures = gateFailures(metrics, thresholds);
  return { metrics, failures, passed: failures.length === 0 };
}

/** The out dir may be missing, empty, or an earlier output of this tool (replaced); nothing else. */
async function checkOutDir(outDir: string): Promise<void> {
  const entries = await readdir(outDir).catch(() => undefined);
  if (!entries || entries.length === 0 || entries.includes(PROVENANCE_FILE)) return;
  throw new AppError('CLI_USAGE', `--out ${outDir} exists and is not an earlier \`emo quantize\` output; choose an empty or new directory`);
}

async function answers(config: EngineConfigSections, modelDir: string, texts: readonly string[]): Promise<ModelAnswers> {
  // Providers come from the config (EXECUTION_PROVIDERS), so an fp16 gate can run on CUDA.
  // int8 activations are quantized per batch, so the verdict must not depend on how batches
  // happened to form: the serving limits as a fixed budget (not adaptive, not capped by free
  // memory), and one call alone on its engine, so both bundles get the same batches.
  // The variant itself, whatever this CPU's int8 kernel does with it: a full-range variant on a kernel that saturates
  // is what the gate is there to measure (serving would fall back to float32: INT8_SATURATING_KERNEL).
  const engine = await InferenceEngine.create({
    ...config,
    engine: { ...config.engine, modelDir, precision: 'fp32', optimizedModelCacheDir: undefined, includeScores: true },
    batching: { ...config.batching, batchAdaptive: false, batchMemoryBudgetMb: 0 },
    onnx: { ...config.onnx, int8SaturatingKernel: 'warn' },
  });
  try {
    const outcomes = await engine.classify(texts, { includeScores: true });
    const labels = engine.bundle.labels;
    const index = new Map(labels.map((l, j) => [l, j]));
    return {
      labelSets: outcomes.map((o) => new Set(isItemError(o) ? [] : o.labels.map((l) => index.get(l.label) ?? -1))),
      scores: outcomes.map((o) =>
        isItemError(o) ? new Float32Array(labels.length).fill(Number.NaN) : Float32Array.from(labels, (l) => o.scores?.[l] ?? Number.NaN),
      ),
    };
  } finally {
    await engine.close();
  }
}

async function toolVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
