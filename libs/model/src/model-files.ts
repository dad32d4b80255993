// Where a bundle's ONNX graphs are. Two layouts, both as Hugging Face repositories have them:
// flat (`model.onnx` beside config.json, what emo's recipe and `emo quantize` write) and the Hub's
// (`onnx/model.onnx`, what optimum and transformers.js use), each with the Hub's file names of its
// precisions (`model_quantized.onnx` …); plus the variant folders `emo quantize` writes beside a
// bundle (`<dir>/variants/<p>/`, `<dir>-<p>/`), which are whole bundles of their own.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Precision = 'fp32' | 'int8' | 'fp16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'int8', 'fp16'];

/** Folders a graph may sit in, relative to the bundle, in order of preference. */
export const MODEL_SUBFOLDERS = ['', 'onnx'] as const;

/** Hub file names per precision, in order of preference (transformers.js: dtype q8 → _quantized, int8, uint8, fp16). */
export const HUB_MODEL_FILES: Readonly<Record<Precision, readonly string[]>> = {
  fp32: ['model.onnx'],
  int8: ['model_quantized.onnx', 'model_int8.onnx', 'model_uint8.onnx'],
  fp16: ['model_fp16.onnx'],
};

/** Every place a graph of that precision may be in a bundle, relative to it (`model.onnx`, `onnx/model.onnx`, …). */
export function modelFileCandidates(precision: Precision): string[] {
  return MODEL_SUBFOLDERS.flatMap((sub) => HUB_MODEL_FILES[precision].map((f) => (sub ? `${sub}/${f}` : f)));
}

/**
 * The graph of `precision` inside `dir` (relative path), or undefined. A folder `emo quantize`
 * wrote (its quantization.json names its mode) keeps its graph as `model.onnx`, and is served as
 * it is when the default (fp32) is asked for.
 */
export function findModelFile(dir: string, precision: Precision = 'fp32'): string | undefined {
  const own = variantMode(dir) ?? 'fp32';
  const plain = precision === own || precision === 'fp32';
  const names = plain ? modelFileCandidates('fp32') : own === 'fp32' ? modelFileCandidates(precision) : [];
  return names.find((name) => isFile(join(dir, name)));
}

export type VariantSource = 'bundle' | 'hub-file' | 'variant-folder' | 'sibling-folder';

export interface ModelVariant {
  readonly precision: Precision;
  /** The bundle folder to load (the variant folder for `variant-folder`/`sibling-folder`). */
  readonly dir: string;
  /** The graph, relative to `dir`. */
  readonly file: string;
  readonly source: VariantSource;
}

/**
 * Every graph a bundle offers, by precision: its own (`bundle`), the Hub-named files beside it
 * (`hub-file`), and the variant folders `emo quantize` wrote (`variant-folder`, `sibling-folder`).
 * Only what exists; the first of a precision is the one `resolveModelVariant` serves (emo's gated
 * variant folders before Hub-named files).
 */
export function discoverVariants(dirInput: string): ModelVariant[] {
  const dir = resolve(dirInput);
  const own = variantMode(dir) ?? 'fp32';
  if (own !== 'fp32') {
    // A variant folder offers its own graph only.
    const file = findModelFile(dir, own);
    return file ? [{ precision: own, dir, file, source: 'bundle' }] : [];
  }
  const found: ModelVariant[] = [];
  for (const precision of PRECISIONS) {
    // emo's own variant folders first: they carry their gate record and provenance (quantization.json).
    for (const [folder, source] of [
      [join(dir, 'variants', precision), 'variant-folder'],
      [`${dir}-${precision}`, 'sibling-folder'],
    ] as const) {
      const inner = variantMode(folder) === precision ? findModelFile(folder, precision) : undefined;
      if (inner) found.push({ precision, dir: folder, file: inner, source });
    }
    const file = findModelFile(dir, precision);
    if (file) found.push({ precision, dir, file, source: precision === 'fp32' ? 'bundle' : 'hub-file' });
  }
  return found;
}

/** The precision recorded by `emo quantize` in a bundle's quantization.json, if any. */
export function variantMode(dir: string): Precision | undefined {
  return variantProvenance(dir)?.mode;
}

export interface VariantProvenance {
  readonly mode?: Precision;
  /** int8: whether the weights are 7-bit (safe on every x86 int8 kernel); undefined when not recorded. */
  readonly reduceRange?: boolean;
}

/** What `emo quantize` recorded in a bundle's quantization.json; undefined without one. */
export function variantProvenance(dir: string): VariantProvenance | undefined {
  const file = join(dir, 'quantization.json');
  if (!existsSync(file)) return undefined;
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { mode?: unknown; options?: { reduceRange?: unknown } };
    const mode = json.mode === 'int8' || json.mode === 'fp16' || json.mode === 'fp32' ? json.mode : undefined;
    const reduceRange = typeof json.options?.reduceRange === 'boolean' ? json.options.reduceRange : undefined;
    return { mode, reduceRange };
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
