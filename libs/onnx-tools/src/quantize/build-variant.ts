// One model.onnx → its int8 or fp16 variant, as bytes (no gate, no bundle): what `emo quantize`
// and the model benchmark share.
import { decodeModel, encodeModel } from '../proto/onnx-codec';
import { convertToFp16, type Fp16Report } from './fp16-converter';
import { quantizeInt8, type Int8Options, type Int8Report } from './int8-dynamic-quantizer';

export type QuantizeMode = 'int8' | 'fp16';

export interface BuiltVariant {
  readonly bytes: Uint8Array;
  readonly transform: Int8Report | Fp16Report;
}

export function buildVariant(source: Uint8Array, mode: QuantizeMode, int8: Int8Options = {}): BuiltVariant {
  const model = decodeModel(source);
  const transform = mode === 'int8' ? quantizeInt8(model, int8) : convertToFp16(model);
  model.producer_name = `${model.producer_name ?? ''} + emo-fleet onnx-tools ${mode}`.trim();
  return { bytes: encodeModel(model), transform };
}
