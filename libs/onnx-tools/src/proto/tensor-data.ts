// Tensor payloads: reading an initializer's values whatever field holds them, building compact
// raw_data tensors, and float32 ↔ float16 conversion (IEEE 754 half, round to nearest even).
import { AppError } from '@emo/contracts';
import { DataType, toNumber, type OnnxTensor } from './onnx-codec';

export function tensorDims(t: OnnxTensor): number[] {
  return (t.dims ?? []).map(toNumber);
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

function rawView(t: OnnxTensor): Uint8Array | undefined {
  return t.raw_data && t.raw_data.byteLength > 0 ? t.raw_data : undefined;
}

/** A float32 tensor's values (copied, aligned), from raw_data or float_data. */
export function floatValues(t: OnnxTensor): Float32Array {
  if (t.data_type !== DataType.FLOAT) throw new AppError('MODEL_MISMATCH', `tensor ${t.name} is not float32 (data_type ${t.data_type})`);
  const raw = rawView(t);
  if (raw) return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return Float32Array.from(t.float_data ?? []);
}

/** An int64 tensor's values as numbers (for shapes and indices; exact below 2^53). */
export function int64Values(t: OnnxTensor): number[] {
  const raw = rawView(t);
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  }
  return (t.int64_data ?? []).map(toNumber);
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function floatTensor(name: string, dims: readonly number[], values: Float32Array): OnnxTensor {
  checkSize(name, dims, values.length);
  return { name, dims: [...dims], data_type: DataType.FLOAT, raw_data: bytesOf(values) };
}

export function int8Tensor(name: string, dims: readonly number[], values: Int8Array): OnnxTensor {
  checkSize(name, dims, values.length);
  return { name, dims: [...dims], data_type: DataType.INT8, raw_data: bytesOf(values) };
}

export function uint8Tensor(name: string, dims: readonly number[], values: Uint8Array): OnnxTensor {
  checkSize(name, dims, values.length);
  return { name, dims: [...dims], data_type: DataType.UINT8, raw_data: bytesOf(values) };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): OnnxTensor {
  checkSize(name, dims, values.length);
  return { name, dims: [...dims], data_type: DataType.INT64, raw_data: bytesOf(BigInt64Array.from(values.map((v) => BigInt(v)))) };
}

export function float16Tensor(name: string, dims: readonly number[], values: Float32Array): OnnxTensor {
  checkSize(name, dims, values.length);
  return { name, dims: [...dims], data_type: DataType.FLOAT16, raw_data: bytesOf(toFloat16Bits(values)) };
}

function checkSize(name: string, dims: readonly number[], length: number): void {
  if (elementCount(dims) !== length)
    throw new AppError('INTERNAL', `tensor ${name}: dims [${dims.join(',')}] do not hold ${length} values`);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE half bits (round to nearest even; overflow → ±Inf, NaN kept). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}
