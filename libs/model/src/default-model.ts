// Where the shipped default bundle lives, whether we run from sources, tests or the dist bundle.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AppError } from '@emo/contracts';
import { discoverVariants, findModelFile, modelFileCandidates, variantMode, type ModelVariant, type Precision } from './model-files';

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

/**
 * MODEL_DIR when set, else the shipped default model; for int8/fp16 the variant `emo quantize`
 * wrote beside it (`<dir>/variants/<precision>` or `<dir>-<precision>`), or `<dir>` itself when it
 * already is that variant (its quantization.json says so) or holds a Hub-named graph of that
 * precision (`model_quantized.onnx`, `onnx/model_fp16.onnx`, …: see model-files).
 */
export function resolveModelDir(configured: string | undefined, precision: Precision = 'fp32'): string {
  return resolveModelVariant(configured, precision).dir;
}

/** The folder and graph file served for `precision` (resolveModelDir's answer, with the file). */
export function resolveModelVariant(configured: string | undefined, precision: Precision = 'fp32'): ModelVariant {
  const base = configured ? resolve(configured) : join(packageRoot(), 'models', DEFAULT_MODEL_NAME);
  const own = variantMode(base);
  // A directory that is itself a variant is served as it is unless another precision is asked for.
  if (precision === (own ?? 'fp32') || (own !== undefined && precision === 'fp32')) {
    return { precision: own ?? 'fp32', dir: base, file: findModelFile(base, own ?? 'fp32') ?? 'model.onnx', source: 'bundle' };
  }
  const found = discoverVariants(base).find((v) => v.precision === precision);
  if (found) return found;
  const candidates = [join(base, 'variants', precision), `${base}-${precision}`];
  const files = modelFileCandidates(precision).filter((f) => f !== 'model.onnx');
  throw new AppError(
    'MODEL_NOT_FOUND',
    `No ${precision} variant of ${base} (looked in ${candidates.join(', ')} and for ${files.join(', ')}); create it with: emo quantize --model ${base} --out ${candidates[0]} --mode ${precision}`,
  );
}

/** The float32 bundle a variant was written beside (`<base>/variants/<p>` or `<base>-<p>`), if it is there. */
export function baseOfVariant(dir: string, precision: Precision): string | undefined {
  const abs = resolve(dir);
  const candidates = [dirname(dirname(abs)), abs.endsWith(`-${precision}`) ? abs.slice(0, -precision.length - 1) : undefined];
  const viaFolder = basename(dirname(abs)) === 'variants' && basename(abs) === precision ? candidates[0] : undefined;
  return [viaFolder, candidates[1]].find(
    (c): c is string => c !== undefined && findModelFile(c) !== undefined && variantMode(c) === undefined,
  );
}
