// Where the shipped default bundle lives, whether we run from sources, tests or the dist bundle.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AppError } from '@emo/contracts';

export const DEFAULT_MODEL_NAME = 'goemotions-mini';

/** The root of this package (the folder whose package.json is named emo-fleet). */
export function packageRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'emo-fleet') return dir;
      } catch {
        // keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export type Precision = 'fp32' | 'int8' | 'fp16';

/**
 * MODEL_DIR when set, else the shipped default model; for int8/fp16 the variant `emo quantize`
 * wrote beside it (`<dir>/variants/<precision>` or `<dir>-<precision>`), or `<dir>` itself when it
 * already is that variant (its quantization.json says so).
 */
export function resolveModelDir(configured: string | undefined, precision: Precision = 'fp32'): string {
  const base = configured ? resolve(configured) : join(packageRoot(), 'models', DEFAULT_MODEL_NAME);
  const own = variantMode(base);
  // A directory that is itself a variant is served as it is unless another precision is asked for.
  if (precision === (own ?? 'fp32') || (own !== undefined && precision === 'fp32')) return base;
  const candidates = [join(base, 'variants', precision), `${base}-${precision}`];
  const found = candidates.find((c) => variantMode(c) === precision);
  if (found) return found;
  throw new AppError(
    'MODEL_NOT_FOUND',
    `No ${precision} variant of ${base} (looked in ${candidates.join(', ')}); create it with: emo quantize --model ${base} --out ${candidates[0]} --mode ${precision}`,
  );
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

/** The float32 bundle a variant was written beside (`<base>/variants/<p>` or `<base>-<p>`), if it is there. */
export function baseOfVariant(dir: string, precision: Precision): string | undefined {
  const abs = resolve(dir);
  const candidates = [dirname(dirname(abs)), abs.endsWith(`-${precision}`) ? abs.slice(0, -precision.length - 1) : undefined];
  const viaFolder = basename(dirname(abs)) === 'variants' && basename(abs) === precision ? candidates[0] : undefined;
  return [viaFolder, candidates[1]].find(
    (c): c is string => c !== undefined && existsSync(join(c, 'model.onnx')) && variantMode(c) === undefined,
  );
}
