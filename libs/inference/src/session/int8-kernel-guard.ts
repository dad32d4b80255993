// Which bundle to serve for PRECISION=int8 on this CPU. An int8 variant with full-range (8-bit)
// weights is only exact where ONNX Runtime's u8s8 kernel does not saturate (x86 with VNNI, ARM);
// reduced-range (7-bit) variants are exact everywhere. The probe measures this machine's kernel
// and INT8_SATURATING_KERNEL says what to do when the two disagree.
import { AppError } from '@emo/contracts';
import { baseOfVariant, variantProvenance } from '@emo/model';
import { probeInt8Kernel, type Int8KernelProbe } from './int8-kernel-probe';

export type Int8SaturatingKernelPolicy = 'fallback' | 'warn' | 'refuse';

export interface Int8Choice {
  readonly dir: string;
  readonly precision: 'fp32' | 'int8';
  readonly probe?: Int8KernelProbe;
}

export async function chooseInt8SafeBundle(
  dir: string,
  policy: Int8SaturatingKernelPolicy,
  warn: (message: string) => void,
  probe: () => Promise<Int8KernelProbe> = probeInt8Kernel,
): Promise<Int8Choice> {
  const provenance = variantProvenance(dir);
  // Reduced range is exact on every kernel; a bundle without provenance is someone else's export.
  if (provenance?.reduceRange === true) return { dir, precision: 'int8' };
  const result = await probe();
  if (!result.saturates) return { dir, precision: 'int8', probe: result };
  if (provenance?.reduceRange === undefined) {
    warn(
      `this CPU's int8 kernel saturates (no VNNI: full-range weights come out at ${result.fullRangeRatio.toFixed(2)}× their value) and ${dir} does not record whether its weights are reduced-range; if it was quantized with 8-bit weights its scores are wrong here: re-quantize with \`emo quantize --reduce-range on\``,
    );
    return { dir, precision: 'int8', probe: result };
  }
  const problem = `the int8 variant ${dir} has full-range (8-bit) weights, and this CPU's int8 kernel saturates on them (no VNNI: a probe product came out at ${result.fullRangeRatio.toFixed(2)}× its value)`;
  const fix = 're-quantize with `emo quantize --reduce-range on` (exact on every x86 CPU)';
  if (policy === 'refuse')
    throw new AppError('CONFIG_INVALID', `${problem}; ${fix}, or set INT8_SATURATING_KERNEL=fallback to serve float32`);
  if (policy === 'warn') {
    warn(`${problem}: serving it anyway (INT8_SATURATING_KERNEL=warn), scores will differ from the gate's; ${fix}`);
    return { dir, precision: 'int8', probe: result };
  }
  const base = baseOfVariant(dir, 'int8');
  if (!base) throw new AppError('CONFIG_INVALID', `${problem}, and no float32 bundle was found beside it to fall back to; ${fix}`);
  warn(`${problem}: serving the float32 model ${base} instead (INT8_SATURATING_KERNEL=fallback); ${fix}`);
  return { dir: base, precision: 'fp32', probe: result };
}
