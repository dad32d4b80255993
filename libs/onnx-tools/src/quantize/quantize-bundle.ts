// `emo quantize` end to end: read a bundle's model.onnx, build the int8 or fp16 variant, write a
// complete bundle (tokenizer, config, thresholds copied) into a staging folder, evaluate it
// against the original on a labelled dataset, and move it into place only if it passes the gate
// (or --force). quantization.json records where it came from and how it scored.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AppError } from '@emo/contracts';
import { InferenceEngine, isItemError, type EngineOptions } from '@emo/inference';
import { loadModelBundle, packageRoot } from '@emo/model';
import { compareVariants, gateFailures, type GateThresholds, type ModelAnswers, type VariantComparison } from './accuracy-gate';
import { buildVariant, type QuantizeMode } from './build-variant';
import type { Fp16Report } from './fp16-converter';
import type { Int8Options, Int8Report } from './int8-dynamic-quantizer';
import { readLabelledTsv } from './labelled-tsv';

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
  readonly int8?: Int8Options;
  /** Engine settings for the evaluation runs (model dir and cache are set here). */
  readonly engine: EngineOptions;
  readonly log?: (message: string) => void;
}

export interface Provenance {
  readonly tool: string;
  readonly tool_version: string;
  readonly onnxruntime: string;
  readonly mode: QuantizeMode;
  readonly created_at: string;
  readonly source: { readonly dir: string; readonly name: string; readonly revision: string; readonly model_sha256: string; readonly model_bytes: number };
  readonly output: { readonly model_sha256: string; readonly model_bytes: number };
  readonly transform: Int8Report | Fp16Report;
  readonly options: Record<string, unknown>;
  readonly gate: { readonly dataset: string; readonly thresholds: GateThresholds; readonly metrics: VariantComparison; readonly passed: boolean; readonly forced: boolean; readonly failures: readonly string[] };
}

export const PROVENANCE_FILE = 'quantization.json';

export async function quantizeBundle(opts: QuantizeBundleOptions): Promise<Provenance> {
  const log = opts.log ?? (() => undefined);
  const source = await loadModelBundle(opts.modelDir);
  const outDir = resolve(opts.outDir);
  if (outDir === source.dir) throw new AppError('CLI_USAGE', '--out must differ from --model');
  await checkOutDir(outDir);
  const dataset = await readLabelledTsv(opts.dataPath, opts.limit);

  log(`reading ${source.modelPath} (${(source.modelBytes / 1e6).toFixed(1)} MB)`);
  const { bytes, transform } = buildVariant(await readFile(source.modelPath), opts.mode, opts.int8);
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

    log(`accuracy gate on ${dataset.texts.length} texts of ${opts.dataPath}`);
    const original = await answers(opts.engine, source.dir, dataset.texts);
    const variant = await answers(opts.engine, staging, dataset.texts);
    const gold = dataset.labelIds.map((ids) => new Set([...ids].filter((j) => j < source.labels.length)));
    const metrics = compareVariants(source.labels, gold, original, variant);
    const failures = gateFailures(metrics, opts.thresholds);
    const passed = failures.length === 0;
    if (!passed && !opts.force) {
      throw new AppError('ACCURACY_GATE_FAILED', `${opts.mode} variant of ${source.name} not written: ${failures.join('; ')} (use --force to write it anyway)`, { metrics, thresholds: opts.thresholds });
    }
    const provenance: Provenance = {
      tool: 'emo-fleet onnx-tools',
      tool_version: await toolVersion(),
      onnxruntime: ort.env.versions.node ?? 'unknown',
      mode: opts.mode,
      created_at: new Date().toISOString(),
      source: { dir: source.dir, name: source.name, revision: source.revision, model_sha256: source.modelSha256, model_bytes: source.modelBytes },
      output: { model_sha256: createHash('sha256').update(bytes).digest('hex'), model_bytes: bytes.byteLength },
      transform,
      options: { ...(opts.mode === 'int8' ? { ops: 'microsoft', perChannel: 'auto', embeddings: false, reduceRange: false, keepOutputLayer: true, keepEmbeddingProjection: true, ...opts.int8 } : {}), limit: opts.limit ?? null },
      gate: { dataset: resolve(opts.dataPath), thresholds: opts.thresholds, metrics, passed, forced: !passed, failures },
    };
    await writeFile(join(staging, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`);
    await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);
    return provenance;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The out dir may be missing, empty, or an earlier output of this tool (replaced); nothing else. */
async function checkOutDir(outDir: string): Promise<void> {
  const entries = await readdir(outDir).catch(() => undefined);
  if (!entries || entries.length === 0 || entries.includes(PROVENANCE_FILE)) return;
  throw new AppError('CLI_USAGE', `--out ${outDir} exists and is not an earlier \`emo quantize\` output; choose an empty or new directory`);
}

async function answers(engineOptions: EngineOptions, modelDir: string, texts: readonly string[]): Promise<ModelAnswers> {
  // Providers come from the config (EXECUTION_PROVIDERS), so an fp16 gate can run on CUDA.
  const engine = await InferenceEngine.create({ ...engineOptions, modelDir, optimizedModelCacheDir: undefined, includeScores: true });
  try {
    // A fixed length-sorted plan at the serving limits, not the shared scheduler: int8 activations
    // are quantized per batch, so the verdict must not depend on how batches happened to form.
    const outcomes = await engine.classify(texts, { includeScores: true, limits: engine.limits });
    const labels = engine.bundle.labels;
    const index = new Map(labels.map((l, j) => [l, j]));
    return {
      labelSets: outcomes.map((o) => new Set(isItemError(o) ? [] : o.labels.map((l) => index.get(l.label) ?? -1))),
      scores: outcomes.map((o) => (isItemError(o) ? new Float32Array(labels.length).fill(Number.NaN) : Float32Array.from(labels, (l) => o.scores?.[l] ?? Number.NaN))),
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
