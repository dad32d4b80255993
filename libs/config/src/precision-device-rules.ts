// Which model precision suits which execution provider. Dynamic int8 is a CPU technique (ORT's
// MatMulInteger/DynamicQuantizeMatMul have no CUDA kernels, so they fall back to CPU with copies
// around them); fp16 is for GPUs (the CPU provider casts most fp16 ops back to float32).
// The verdict for a configuration comes from the INT8_ON_CUDA / FP16_ON_CPU settings.
import { AppError } from '@emo/contracts';
import type { OnnxConfig } from './config.schema';

export type Precision = 'fp32' | 'int8' | 'fp16';
export type DeviceRuleVerdict = 'ok' | 'warn' | 'refuse';

export interface PrecisionDeviceCheck {
  readonly verdict: DeviceRuleVerdict;
  readonly message?: string;
}

type Rules = Pick<OnnxConfig, 'int8OnCuda' | 'fp16OnCpu'>;

/** The verdict for serving `precision` on the first provider of `providers` (the one preferred). */
export function checkPrecisionForProviders(precision: Precision, providers: readonly string[], rules: Rules): PrecisionDeviceCheck {
  const preferred = providers[0] ?? 'cpu';
  if (precision === 'int8' && preferred === 'cuda') {
    return verdict(
      rules.int8OnCuda,
      'int8 on CUDA: dynamically quantized MatMuls have no CUDA kernels and run on CPU; serve fp16 (or fp32) on GPUs (INT8_ON_CUDA)',
    );
  }
  if (precision === 'fp16' && preferred === 'cpu') {
    return verdict(
      rules.fp16OnCpu,
      'fp16 on CPU: ONNX Runtime casts most fp16 ops back to float32 on CPU, which is slower than fp32; serve int8 (or fp32) on CPUs (FP16_ON_CPU)',
    );
  }
  return { verdict: 'ok' };
}

/** Throws CONFIG_INVALID on `refuse`, calls `warn` on `warn`. */
export function enforcePrecisionForProviders(
  precision: Precision,
  providers: readonly string[],
  rules: Rules,
  warn: (message: string) => void,
): void {
  const check = checkPrecisionForProviders(precision, providers, rules);
  if (check.verdict === 'refuse') throw new AppError('CONFIG_INVALID', check.message);
  if (check.verdict === 'warn' && check.message) warn(check.message);
}

function verdict(rule: 'allow' | 'warn' | 'refuse', message: string): PrecisionDeviceCheck {
  return rule === 'allow' ? { verdict: 'ok' } : { verdict: rule, message };
}
