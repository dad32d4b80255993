// ONNX optimizer settings: the accuracy gate `emo quantize` applies before it writes a variant,
// and the device rules (which precision suits which execution provider).
import { z } from 'zod';
import { num, setting } from '../setting';

const deviceRule = z.enum(['allow', 'warn', 'refuse']);

export const onnxSettings = {
  quantizeMinLabelAgreement: setting(
    'QUANTIZE_MIN_LABEL_AGREEMENT',
    num(0, 1).default(0.98),
    'Accuracy gate of `emo quantize`: least share of texts whose predicted label set is identical to the float32 model.',
  ),
  quantizeMaxMacroF1Drop: setting(
    'QUANTIZE_MAX_MACRO_F1_DROP',
    num(0, 1).default(0.01),
    'Accuracy gate: largest allowed drop of macro-F1 (variant vs float32, on the gate dataset).',
  ),
  quantizeInt8MaxScoreDiff: setting(
    'QUANTIZE_INT8_MAX_SCORE_DIFF',
    num(0, 1).default(0.1),
    'Accuracy gate for int8: largest allowed |score difference| of any label of any text.',
  ),
  quantizeFp16MaxScoreDiff: setting(
    'QUANTIZE_FP16_MAX_SCORE_DIFF',
    num(0, 1).default(0.01),
    'Accuracy gate for fp16: largest allowed |score difference| of any label of any text.',
  ),
  int8OnCuda: setting(
    'INT8_ON_CUDA',
    deviceRule.default('warn'),
    'An int8 (dynamically quantized) model under the CUDA provider: its integer MatMuls fall back to CPU, so it is slower than fp16/fp32 there. allow|warn|refuse.',
  ),
  int8SaturatingKernel: setting(
    'INT8_SATURATING_KERNEL',
    z.enum(['fallback', 'warn', 'refuse']).default('fallback'),
    'PRECISION=int8 with a variant of full-range (8-bit) weights on a CPU whose int8 kernel saturates them (x86 without VNNI; a probe at start measures it): fallback serves the float32 model beside it, warn serves the variant anyway, refuse stops. Reduced-range variants (`emo quantize --reduce-range on`, the default) are exact everywhere.',
  ),
  fp16OnCpu: setting(
    'FP16_ON_CPU',
    deviceRule.default('warn'),
    'An fp16 model on the CPU provider: ORT casts most fp16 ops back to float32, so it is slower than fp32 there. allow|warn|refuse.',
  ),
} as const;
