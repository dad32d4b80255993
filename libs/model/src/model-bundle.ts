// A loaded model bundle: a Hugging Face-style folder (model.onnx or onnx/model.onnx, tokenizer.json,
// config.json, optional tokenizer_config.json and thresholds.json) checked for consistency, with a
// revision hash that changes whenever any file that affects an answer changes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AppError } from '@emo/contracts';
import type { z } from 'zod';
import { bundleConfigSchema, thresholdsFileSchema } from './bundle-config.schema';
import { findModelFile, modelFileCandidates, type Precision } from './model-files';

export type ProblemType = 'multi_label_classification' | 'single_label_classification';

export interface ModelBundle {
  readonly dir: string;
  readonly name: string;
  /** Short hash of model.onnx + tokenizer files + config.json. */
  readonly revision: string;
  /** Full sha256 of model.onnx alone (keys the optimized-model cache). */
  readonly modelSha256: string;
  readonly modelPath: string;
  /** The graph's path relative to `dir` (`model.onnx`, `onnx/model.onnx`, `onnx/model_quantized.onnx`, …). */
  readonly modelFile: string;
  readonly modelBytes: number;
  readonly labels: readonly string[];
  readonly problemType: ProblemType;
  /** One threshold per label, in label order. */
  readonly thresholds: Float32Array;
  /** Changes when thresholds.json changes; "default" without one. */
  readonly thresholdsVersion: string;
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly maxPositionEmbeddings?: number;
  /** config.json's model_type, when it has one. */
  readonly modelType?: string;
  /** config.json says `benchmark_only: true`: random weights, meaningless labels (see assertServable). */
  readonly benchmarkOnly: boolean;
}

export interface LoadBundleOptions {
  /** Which graph of the folder: its own (default fp32), or a Hub-named one (`model_quantized.onnx` …). */
  readonly precision?: Precision;
}

/** The threshold of every label of a multi-label bundle without thresholds.json (single-label: the top label wins). */
export const DEFAULT_MULTI_LABEL_THRESHOLD = 0.5;

export async function loadModelBundle(dirInput: string, opts: LoadBundleOptions = {}): Promise<ModelBundle> {
  const dir = resolve(dirInput);
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) throw new AppError('MODEL_NOT_FOUND', `Model directory not found: ${dir}`);

  const precision = opts.precision ?? 'fp32';
  const modelFile = findModelFile(dir, precision);
  if (!modelFile) {
    const wanted = precision === 'fp32' ? 'model.onnx' : `a ${precision} graph`;
    throw new AppError('MODEL_NOT_FOUND', `Missing ${wanted} in ${dir} (looked for ${modelFileCandidates(precision).join(', ')})`);
  }
  const modelPath = join(dir, modelFile);
  const modelStat = await stat(modelPath);
  if (modelStat.size < 16) throw new AppError('MODEL_CORRUPT', `${modelFile} in ${dir} is ${modelStat.size} bytes`);

  const configFile = await readJson(join(dir, 'config.json'), true);
  const configRaw = configFile.value;
  const config = parse(bundleConfigSchema, configRaw, 'config.json', dir);
  const labels = labelsFromId2Label(config.id2label, dir);
  if (config.problem_type === 'regression') throw new AppError('MODEL_MISMATCH', `${dir}: regression models are not classifiers`);
  // Hugging Face's default for a classifier without problem_type is single-label (softmax).
  const problemType: ProblemType = config.problem_type ?? 'single_label_classification';

  const tokenizerFile = await readJson(join(dir, 'tokenizer.json'), true);
  const tokenizerJson = tokenizerFile.value;
  if (typeof tokenizerJson.model !== 'object' || tokenizerJson.model === null) {
    throw new AppError('MODEL_CORRUPT', `${dir}/tokenizer.json has no "model" section`);
  }
  const tokenizerConfigFile = await readJson(join(dir, 'tokenizer_config.json'), false);
  const tokenizerConfig = tokenizerConfigFile?.value ?? {};

  const thresholdsRaw = (await readJson(join(dir, 'thresholds.json'), false))?.value;
  const { thresholds, thresholdsVersion } = buildThresholds(thresholdsRaw, labels, problemType, dir);

  // The files' own bytes (already read) identify them; no need to serialize the parsed JSON again.
  const modelSha256 = await sha256File(modelPath);
  const revision = sha256Text(
    `${modelSha256}:${sha256Text(tokenizerFile.text)}:${sha256Text(configFile.text)}:${sha256Text(tokenizerConfigFile?.text ?? '')}`,
  ).slice(0, 12);

  return Object.freeze({
    dir,
    name: config.name ?? basename(dir),
    revision,
    modelSha256,
    modelPath,
    modelFile,
    modelBytes: modelStat.size,
    labels: Object.freeze(labels),
    problemType,
    thresholds,
    thresholdsVersion,
    tokenizerJson,
    tokenizerConfig,
    maxPositionEmbeddings: config.max_position_embeddings,
    modelType: config.model_type,
    benchmarkOnly: config.benchmark_only === true,
  });
}

function labelsFromId2Label(id2label: Record<string, string>, dir: string): string[] {
  const ids = Object.keys(id2label)
    .map(Number)
    .sort((a, b) => a - b);
  if (ids.length === 0) throw new AppError('MODEL_CORRUPT', `${dir}/config.json: id2label is empty`);
  ids.forEach((id, i) => {
    if (id !== i) throw new AppError('MODEL_CORRUPT', `${dir}/config.json: id2label ids must be 0..${ids.length - 1}, missing ${i}`);
  });
  const labels = ids.map((id) => id2label[String(id)]);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup) throw new AppError('MODEL_CORRUPT', `${dir}/config.json: label "${dup}" appears twice in id2label`);
  return labels;
}

function buildThresholds(raw: Record<string, unknown> | undefined, labels: string[], problemType: ProblemType, dir: string) {
  const fallback = problemType === 'multi_label_classification' ? DEFAULT_MULTI_LABEL_THRESHOLD : 0;
  const thresholds = new Float32Array(labels.length).fill(fallback);
  if (raw === undefined) return { thresholds, thresholdsVersion: 'default' };
  const parsed = parse(thresholdsFileSchema, raw, 'thresholds.json', dir);
  const map = ('thresholds' in parsed && typeof parsed.thresholds === 'object' ? parsed.thresholds : parsed) as Record<string, number>;
  for (const [label, value] of Object.entries(map)) {
    const index = labels.indexOf(label);
    if (index < 0) throw new AppError('MODEL_MISMATCH', `${dir}/thresholds.json names label "${label}" that config.json does not have`);
    thresholds[index] = value;
  }
  const version =
    'version' in parsed && typeof parsed.version === 'string'
      ? parsed.version
      : createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 12);
  return { thresholds, thresholdsVersion: version };
}

interface JsonFile {
  readonly value: Record<string, unknown>;
  readonly text: string;
}

async function readJson(path: string, required: true): Promise<JsonFile>;
async function readJson(path: string, required: false): Promise<JsonFile | undefined>;
async function readJson(path: string, required: boolean): Promise<JsonFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    if (!required) return undefined;
    throw new AppError('MODEL_NOT_FOUND', `Missing ${basename(path)} in ${resolve(path, '..')}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return { value: value as Record<string, unknown>, text };
  } catch (e) {
    throw new AppError('MODEL_CORRUPT', `${path} is not valid JSON (${(e as Error).message})`);
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown, file: string, dir: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new AppError('MODEL_CORRUPT', `${dir}/${file} is invalid: ${why}`);
  }
  return r.data;
}

function sha256File(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
