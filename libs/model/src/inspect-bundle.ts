// `emo model inspect`: what a bundle folder holds and what it lacks for serving, each lack with its
// fix. Unlike loadModelBundle, which stops at the first problem, this looks at every file; the
// graph's inputs/outputs come from a reader the caller passes (the CLI decodes the ONNX protobuf).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError, type ErrorCode } from '@emo/contracts';
import { DEFAULT_MULTI_LABEL_THRESHOLD, loadModelBundle } from './model-bundle';
import { discoverVariants, findModelFile, modelFileCandidates, type ModelVariant } from './model-files';

export interface GraphTensor {
  readonly name: string;
  /** `int64`, `float32`, … */
  readonly type: string;
  /** A number for a fixed axis, its name for a dynamic one (`batch_size`), `?` when unnamed. */
  readonly dims: readonly (number | string)[];
}

export interface GraphSummary {
  readonly inputs: readonly GraphTensor[];
  readonly outputs: readonly GraphTensor[];
  readonly opset?: number;
}

export interface InspectionProblem {
  /** The code serving would fail with; undefined for what only degrades (a default is used). */
  readonly code?: ErrorCode;
  readonly problem: string;
  readonly fix: string;
}

export interface BundleInspection {
  readonly dir: string;
  readonly modelFile?: string;
  readonly graph?: GraphSummary;
  readonly modelType?: string;
  readonly labels: readonly string[];
  readonly problemType: { readonly value: string; readonly source: 'config.json' | 'default' };
  readonly thresholds: {
    readonly source: 'thresholds.json' | 'default';
    readonly version?: string;
    readonly values: Record<string, number>;
  };
  readonly tokenizer: {
    readonly tokenizerJson: boolean;
    readonly tokenizerConfig: boolean;
    readonly model?: string;
    readonly padToken?: string;
  };
  readonly variants: readonly ModelVariant[];
  readonly benchmarkOnly: boolean;
  /** Blocking problems (with a code) first. */
  readonly problems: readonly InspectionProblem[];
  /** Whether emo can serve it as it is (no problem with a code). */
  readonly servable: boolean;
}

/** The inputs the engine can feed (token_type_ids: zeros) and the two it needs. */
const FEEDABLE_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];
const THRESHOLDS_EXAMPLE = '{"version": "v1", "thresholds": {"<label>": 0.35, …}}';

export async function inspectBundle(dirInput: string, readGraph: (path: string) => Promise<GraphSummary>): Promise<BundleInspection> {
  const dir = resolve(dirInput);
  const problems: InspectionProblem[] = [];
  const add = (problem: string, fix: string, code?: ErrorCode) => problems.push({ code, problem, fix });

  const modelFile = findModelFile(dir);
  let graph: GraphSummary | undefined;
  if (!modelFile) {
    add(
      `no ONNX graph (looked for ${modelFileCandidates('fp32').join(', ')})`,
      `export one: optimum-cli export onnx --model <hub-id or folder> --task text-classification ${join(dir, 'onnx')}`,
      'MODEL_NOT_FOUND',
    );
  } else {
    graph = await readGraph(join(dir, modelFile)).catch((e: Error) => {
      add(`${modelFile} cannot be read: ${e.message}`, 'export it again (the file is damaged or not ONNX)', 'MODEL_CORRUPT');
      return undefined;
    });
  }

  const config = await readJsonObject(join(dir, 'config.json'));
  const id2label = config.value?.id2label as Record<string, unknown> | undefined;
  const labels =
    id2label && typeof id2label === 'object'
      ? Object.keys(id2label)
          .sort((a, b) => Number(a) - Number(b))
          .map((k) => String(id2label[k]))
      : [];
  if (config.error)
    add(`config.json: ${config.error}`, 'write the config.json of the exported model (optimum writes it beside the graph)', config.code);
  else if (labels.length === 0)
    add('config.json has no id2label', 'add "id2label": {"0": "<first label>", "1": "<second label>", …} in logits order', 'MODEL_CORRUPT');
  const rawProblemType = config.value?.problem_type;
  const problemType =
    typeof rawProblemType === 'string'
      ? { value: rawProblemType, source: 'config.json' as const }
      : { value: 'single_label_classification', source: 'default' as const };
  if (problemType.source === 'default' && config.value)
    add(
      'config.json has no problem_type: single-label (softmax, the top label wins) is assumed',
      'for a multi-label model (independent sigmoid scores) add "problem_type": "multi_label_classification"',
    );
  const multiLabel = problemType.value === 'multi_label_classification';

  const thresholdsFile = await readJsonObject(join(dir, 'thresholds.json'));
  const fallback = multiLabel ? DEFAULT_MULTI_LABEL_THRESHOLD : 0;
  const values = Object.fromEntries(labels.map((l) => [l, fallback]));
  const tmap = (thresholdsFile.value?.thresholds ?? thresholdsFile.value) as Record<string, unknown> | undefined;
  if (tmap) for (const [l, v] of Object.entries(tmap)) if (typeof v === 'number' && l in values) values[l] = v;
  if (thresholdsFile.missing && multiLabel)
    add(
      `no thresholds.json: a flat ${DEFAULT_MULTI_LABEL_THRESHOLD} is used for every label`,
      `add thresholds.json ${THRESHOLDS_EXAMPLE} with per-label thresholds tuned on held-out data`,
    );

  const tokenizerJson = await readJsonObject(join(dir, 'tokenizer.json'));
  const tokenizerConfig = await readJsonObject(join(dir, 'tokenizer_config.json'));
  if (tokenizerJson.missing)
    add(
      'no tokenizer.json',
      "copy the model's tokenizer.json (AutoTokenizer.from_pretrained(id).save_pretrained(DIR) writes it)",
      'MODEL_NOT_FOUND',
    );
  if (tokenizerConfig.missing)
    add(
      'no tokenizer_config.json: emo does not need it, transformers.js does (and reads the pad token from it)',
      'save it with the tokenizer (save_pretrained writes it), with "pad_token" set',
    );
  const model = (tokenizerJson.value?.model as { type?: unknown } | undefined)?.type;
  const padToken = tokenizerConfig.value?.pad_token;

  if (graph) graphProblems(graph, labels.length, add);
  const benchmarkOnly = config.value?.benchmark_only === true;
  if (benchmarkOnly)
    add(
      'config.json says benchmark_only: its weights are random, so its labels are random',
      'use it with emo bench only; serving needs --allow-benchmark-model (ALLOW_BENCHMARK_MODEL=true)',
      'MODEL_BENCHMARK_ONLY',
    );
  // Whatever else loadModelBundle refuses (a gap in id2label, thresholds naming unknown labels, …).
  if (!problems.some((p) => p.code)) {
    await loadModelBundle(dir).catch((e: unknown) => {
      const err = AppError.fromPlain(e);
      add(err.message, 'fix the file it names', err.code);
    });
  }

  problems.sort((a, b) => Number(b.code !== undefined) - Number(a.code !== undefined));
  return {
    dir,
    modelFile,
    graph,
    modelType: typeof config.value?.model_type === 'string' ? config.value.model_type : undefined,
    labels,
    problemType,
    thresholds: {
      source: thresholdsFile.value ? 'thresholds.json' : 'default',
      version: typeof thresholdsFile.value?.version === 'string' ? thresholdsFile.value.version : undefined,
      values,
    },
    tokenizer: {
      tokenizerJson: !tokenizerJson.missing,
      tokenizerConfig: !tokenizerConfig.missing,
      model: typeof model === 'string' ? model : undefined,
      padToken: typeof padToken === 'string' ? padToken : undefined,
    },
    variants: discoverVariants(dir),
    benchmarkOnly,
    problems,
    servable: !problems.some((p) => p.code),
  };
}

function graphProblems(graph: GraphSummary, labelCount: number, add: (problem: string, fix: string, code?: ErrorCode) => void): void {
  const inputs = graph.inputs.map((i) => i.name);
  for (const required of ['input_ids', 'attention_mask'])
    if (!inputs.includes(required))
      add(
        `the graph has no ${required} input (inputs: ${inputs.join(', ')})`,
        'export the model with its tokenizer inputs',
        'MODEL_MISMATCH',
      );
  const unknown = inputs.filter((n) => !FEEDABLE_INPUTS.includes(n));
  if (unknown.length > 0)
    add(
      `the graph needs inputs emo cannot feed: ${unknown.join(', ')}`,
      `export with only ${FEEDABLE_INPUTS.join(', ')} as inputs`,
      'MODEL_MISMATCH',
    );
  const logits = graph.outputs.find((o) => o.name === 'logits') ?? (graph.outputs.length === 1 ? graph.outputs[0] : undefined);
  if (!logits) {
    add(
      `no "logits" output (outputs: ${graph.outputs.map((o) => o.name).join(', ')})`,
      'export with --task text-classification',
      'MODEL_MISMATCH',
    );
    return;
  }
  const width = logits.dims[logits.dims.length - 1];
  if (typeof width === 'number' && labelCount > 0 && width !== labelCount)
    add(
      `${logits.name} gives ${width} scores per text but id2label has ${labelCount} labels`,
      'make id2label list exactly one label per logit',
      'MODEL_MISMATCH',
    );
}

interface JsonObjectFile {
  readonly value?: Record<string, unknown>;
  readonly missing: boolean;
  readonly error?: string;
  readonly code?: ErrorCode;
}

async function readJsonObject(path: string): Promise<JsonObjectFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { missing: true, error: 'missing', code: 'MODEL_NOT_FOUND' };
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return { value: value as Record<string, unknown>, missing: false };
    return { missing: false, error: 'not a JSON object', code: 'MODEL_CORRUPT' };
  } catch (e) {
    return { missing: false, error: `not valid JSON (${(e as Error).message})`, code: 'MODEL_CORRUPT' };
  }
}
