// PRECISION=auto (the default): which variant of the bundle to serve on this device. A quantized
// variant is chosen only when it ships with a passed gate (the quantization.json `emo quantize`
// writes: label agreement and macro-F1 drop measured on GoEmotions dev), so `auto` never serves an
// unmeasured graph: int8 on CPU (1.3–1.9× faster here, macro-F1 −0.002), fp16 on CUDA, fp32
// otherwise. An explicit PRECISION is served as asked.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Precision } from '@emo/config';
import { discoverVariants, resolveModelVariant } from '@emo/model';

export type PrecisionSetting = Precision | 'auto';

export interface PrecisionChoice {
  readonly precision: Precision;
  /** Why (logged at start): "PRECISION=fp32", or what `auto` found. */
  readonly reason: string;
}

export function choosePrecision(setting: PrecisionSetting, modelDir: string | undefined, providers: readonly string[]): PrecisionChoice {
  if (setting !== 'auto') return { precision: setting, reason: `PRECISION=${setting}` };
  const device = providers[0] === 'cuda' ? 'cuda' : 'cpu';
  const wanted: Precision = device === 'cuda' ? 'fp16' : 'int8';
  const base = resolveModelVariant(modelDir, 'fp32');
  // A folder that is itself a variant (MODEL_DIR=…/variants/int8) is served as it is.
  if (base.precision !== 'fp32') return { precision: base.precision, reason: `auto: ${base.dir} is a ${base.precision} variant` };
  const variant = discoverVariants(base.dir).find((v) => v.precision === wanted);
  if (!variant) return { precision: 'fp32', reason: `auto: no ${wanted} variant ships with ${base.dir} (${device}): fp32` };
  const gate = gateOf(variant.dir);
  if (gate !== true)
    return {
      precision: 'fp32',
      reason: `auto: the ${wanted} variant in ${variant.dir} has ${gate === false ? 'a failed' : 'no'} gate record: fp32`,
    };
  return { precision: wanted, reason: `auto: ${wanted} on ${device} (the variant in ${variant.dir} passed its gate)` };
}

/** quantization.json's `gate.passed` (true/false); undefined when the variant has no gate record. */
function gateOf(dir: string): boolean | undefined {
  const file = join(dir, 'quantization.json');
  if (!existsSync(file)) return undefined;
  try {
    const passed = (JSON.parse(readFileSync(file, 'utf8')) as { gate?: { passed?: unknown } }).gate?.passed;
    return typeof passed === 'boolean' ? passed : undefined;
  } catch {
    return undefined;
  }
}
