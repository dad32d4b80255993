// The int8 and fp16 graph rewrites, run for real in ONNX Runtime against the float32 graph they
// came from (a small transformer from the benchmark generator: embeddings, masked attention,
// GELU FFN, Gemm head). int8 results are checked against a float32 graph that spells out the
// integer arithmetic of this machine's int8 kernel (exact, or VPMADDUBSW's saturating pairs on x86
// without VNNI, as the kernel probe finds), so the bounds hold on every CPU.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { probeInt8Kernel, type Int8KernelProbe } from '@emo/inference';
import { buildTransformerClassifier } from '../generate/roberta-shaped-model';
import { DataType, decodeModel, encodeModel, type OnnxModel } from '../proto/onnx-codec';
import { convertToFp16 } from './fp16-converter';
import { int8ReferenceGraph, type Int8KernelArithmetic } from './int8-reference-graph';
import { quantizeInt8 } from './int8-dynamic-quantizer';

const SHAPE = { layers: 2, hidden: 64, heads: 4, ffn: 128, vocab: 500, maxPositions: 34, labels: 28 };
const fresh = (): OnnxModel => decodeModel(encodeModel(buildTransformerClassifier(SHAPE, 7)));

async function logits(model: OnnxModel, level: 'disabled' | 'all' = 'all'): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(Buffer.from(encodeModel(model)), { graphOptimizationLevel: level });
  const [batch, seq] = [3, 10];
  const ids = BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(3 + ((i * 97) % 490)));
  // Ragged rows: the last tokens of rows 1 and 2 are padding.
  const mask = BigInt64Array.from({ length: batch * seq }, (_, i) => (i % seq < seq - 3 * Math.floor(i / seq) ? 1n : 0n));
  const out = await session.run({
    input_ids: new ort.Tensor('int64', ids, [batch, seq]),
    attention_mask: new ort.Tensor('int64', mask, [batch, seq]),
  });
  await session.release();
  expect(out.logits.dims).toEqual([batch, SHAPE.labels]);
  return out.logits.data as Float32Array;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

let kernel: Int8KernelProbe;
let arithmetic: Int8KernelArithmetic;
beforeAll(async () => {
  kernel = await probeInt8Kernel();
  arithmetic = kernel.saturates ? 'pairwise-saturating' : 'exact';
});

/**
 * The int8 graph against the float32 graph of its own integer arithmetic, and against the float32
 * original. Both run the same quantized weights, so they differ only by float rounding before each
 * activation is quantized; where that rounding moves a value across a quantization step, one step
 * (a_scale) propagates. That is far below what quantization itself changes: the kernel must add
 * less than a tenth of the quantization error.
 */
async function checkAgainstReference(
  quantized: OnnxModel,
  float: Float32Array,
): Promise<{ kernelError: number; quantizationError: number }> {
  const out = await logits(quantized);
  const reference = await logits(int8ReferenceGraph(quantized, arithmetic), 'disabled');
  const kernelError = maxDiff(out, reference);
  const quantizationError = maxDiff(reference, float);
  expect(quantizationError).toBeGreaterThan(0); // really quantized
  expect(kernelError, `kernel ${arithmetic}`).toBeLessThanOrEqual(0.1 * quantizationError);
  return { kernelError, quantizationError };
}

describe('quantizeInt8', () => {
  it('replaces every constant-weight MatMul/Gemm but the output layer with DynamicQuantizeMatMul and folds the bias Adds', async () => {
    const reference = await logits(fresh());
    const sut = fresh();
    const report = quantizeInt8(sut);
    expect(report).toMatchObject({ matmuls: 6 * SHAPE.layers, gemms: 1, skipped: [expect.stringMatching(/output layer kept in float/)] });
    const ops = sut.graph.node.map((n) => n.op_type);
    expect(ops.filter((o) => o === 'DynamicQuantizeMatMul')).toHaveLength(6 * SHAPE.layers + 1);
    expect(ops.filter((o) => o === 'Gemm')).toHaveLength(1); // classifier.out_proj
    // Only the activation × activation MatMuls of attention stay float.
    expect(ops.filter((o) => o === 'MatMul')).toHaveLength(2 * SHAPE.layers);
    expect(sut.opset_import.some((o) => o.domain === 'com.microsoft')).toBe(true);
    await checkAgainstReference(sut, reference);
  });

  it('with reduced-range (7-bit) weights computes exactly what its integer arithmetic says on every x86 kernel', async () => {
    const reference = await logits(fresh());
    const sut = fresh();
    quantizeInt8(sut, { reduceRange: true });
    // 255 · 63 · 2 fits int16: saturating and exact kernels agree, so check against both.
    const out = await logits(sut);
    const exact = await logits(int8ReferenceGraph(sut, 'exact'), 'disabled');
    const saturating = await logits(int8ReferenceGraph(sut, 'pairwise-saturating'), 'disabled');
    expect(maxDiff(exact, saturating)).toBe(0);
    expect(maxDiff(out, exact)).toBeLessThanOrEqual(0.1 * maxDiff(exact, reference));
  });

  it('writes standard MatMulInteger graphs with ops "onnx" that agree with the fused form', async () => {
    const fused = fresh();
    quantizeInt8(fused);
    const sut = fresh();
    quantizeInt8(sut, { ops: 'onnx' });
    expect(sut.graph.node.some((n) => n.domain === 'com.microsoft')).toBe(false);
    expect(sut.graph.node.filter((n) => n.op_type === 'MatMulInteger')).toHaveLength(6 * SHAPE.layers + 1);
    expect(maxDiff(await logits(sut, 'disabled'), await logits(fused, 'disabled'))).toBeLessThan(1e-4);
  });

  it('quantizes embedding tables per row and shrinks the file', async () => {
    const reference = await logits(fresh());
    const plain = fresh();
    quantizeInt8(plain);
    const sut = fresh();
    const report = quantizeInt8(sut, { embeddings: true });
    expect(report.embeddings).toBe(2); // word and position tables
    expect(sut.graph.initializer.filter((t) => t.data_type === DataType.FLOAT && (t.dims?.length ?? 0) === 2).map((t) => t.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/row_scale/)]),
    );
    expect(encodeModel(sut).byteLength).toBeLessThan(encodeModel(plain).byteLength * 0.8);
    await checkAgainstReference(sut, reference);
  });

  it('quantizes the output layer too when asked', async () => {
    const sut = fresh();
    expect(quantizeInt8(sut, { keepOutputLayer: false })).toMatchObject({ gemms: 2, skipped: [] });
    expect(sut.graph.node.some((n) => n.op_type === 'Gemm')).toBe(false);
    expect((await logits(sut)).every(Number.isFinite)).toBe(true);
  });

  it('keeps a projection fed straight by an embedding lookup in float unless told otherwise', async () => {
    const tiny = () => decodeModel(readFileSync(resolve(__dirname, '../../../../test/fixtures/models/tiny-softmax/model.onnx')));
    const kept = quantizeInt8(tiny(), { minWeightElements: 64 });
    expect(kept.skipped).toContainEqual(expect.stringMatching(/^\/proj\/MatMul: embedding projection kept in float/));
    const all = quantizeInt8(tiny(), { minWeightElements: 64, keepEmbeddingProjection: false });
    expect(all.matmuls).toBe(kept.matmuls + 1);
  });

  it('leaves weights below minWeightElements in float and refuses a graph with nothing to quantize', () => {
    const sut = fresh();
    expect(() => quantizeInt8(sut, { minWeightElements: 10_000_000 })).toThrow(/nothing to quantize/);
  });
});

describe('convertToFp16', () => {
  it('stores float constants in half precision, keeps float32 logits, and matches float32 within 1e-2', async () => {
    const reference = await logits(fresh());
    const sut = fresh();
    const report = convertToFp16(sut);
    expect(report.clamped).toBe(1); // the float32-min attention-mask constant
    expect(sut.graph.initializer.some((t) => t.data_type === DataType.FLOAT)).toBe(false);
    expect(sut.graph.output[0].type?.tensor_type?.elem_type).toBe(DataType.FLOAT);
    const out = await logits(sut);
    expect(out.every(Number.isFinite)).toBe(true);
    expect(maxDiff(out, reference)).toBeLessThan(1e-2);
  });

  it('refuses graphs with contrib ops (convert the float32 model, not a quantized one)', () => {
    const quantized = fresh();
    quantizeInt8(quantized);
    expect(() => convertToFp16(quantized)).toThrow(/com.microsoft/);
  });
});

describe('decodeModel', () => {
  it('keeps int64 attributes beyond 2^53 through a round trip', () => {
    const model = fresh();
    model.graph.node.push({
      op_type: 'Slice',
      input: [],
      output: ['x'],
      attribute: [{ name: 'ends', type: 7, ints: [{ low: -1, high: 0x7fffffff, unsigned: false } as never] }],
    });
    const back = decodeModel(encodeModel(model));
    const ints = back.graph.node.at(-1)?.attribute?.[0].ints?.[0] as unknown as { low: number; high: number };
    expect([ints.low, ints.high]).toEqual([-1, 0x7fffffff]);
  });

  it('rejects bytes that are not an ONNX model', () => {
    expect(() => decodeModel(Buffer.from('not a model at all'))).toThrow();
  });
});
