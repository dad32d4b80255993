import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../proto/tensor-data';
import { quantizeColumns, quantizeRows, transpose } from './weight-quantization';

const dequantize = (values: Int8Array, scales: Float32Array, cols: number) =>
  Float32Array.from(values, (q, i) => q * (scales.length > 1 ? scales[i % cols] : scales[0]));

describe('quantizeColumns', () => {
  it('reconstructs weights within half a quantization step per column', () => {
    const w = Float32Array.from([0.5, -10, 0.25, 4, -0.125, 2.5]); // [3, 2]
    const sut = quantizeColumns(w, 3, 2, 'always');
    expect(sut.perChannel).toBe(true);
    expect(Array.from(sut.scales)).toEqual([0.5 / 127, 10 / 127].map(Math.fround));
    const back = dequantize(sut.values, sut.scales, 2);
    w.forEach((x, i) => expect(Math.abs(back[i] - x)).toBeLessThanOrEqual(sut.scales[i % 2] / 2 + 1e-7));
  });

  it('auto picks per-column scales when columns differ in range, per-tensor when they do not', () => {
    const skewed = Float32Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i) * (i % 8 === 0 ? 100 : 0.1));
    expect(quantizeColumns(skewed, 64, 8, 'auto').perChannel).toBe(true);
    const even = Float32Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i * 1.7));
    expect(quantizeColumns(even, 64, 8, 'auto').perChannel).toBe(false);
  });

  it('keeps values inside ±qmax and gives an all-zero column a usable scale', () => {
    const w = Float32Array.from([0, 3, 0, -3]);
    const sut = quantizeColumns(w, 2, 2, 'always', 63);
    expect(Math.max(...Array.from(sut.values, Math.abs))).toBe(63);
    expect(sut.scales[0]).toBeGreaterThan(0);
  });
});

describe('quantizeRows', () => {
  it('uses one scale per embedding row', () => {
    const sut = quantizeRows(Float32Array.from([0.5, -2, 100, 25]), 2, 2);
    expect(Array.from(sut.scales)).toEqual([2 / 127, 100 / 127].map(Math.fround));
    expect(Array.from(sut.values)).toEqual([32, -127, 127, 32]);
  });
});

describe('transpose', () => {
  it('turns [rows, cols] into [cols, rows]', () => {
    expect(Array.from(transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('float32ToFloat16Bits', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [5.960464477539063e-8, 0x0001],
    [0.1, 0x2e66],
  ])('%f → 0x%s', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it('round-trips to within half precision', () => {
    for (const x of [0.3333, -123.456, 1e-3, 42])
      expect(Math.abs(float16BitsToFloat32(float32ToFloat16Bits(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11);
  });
});
