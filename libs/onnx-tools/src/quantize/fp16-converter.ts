// FP16 conversion of an ONNX graph for GPUs: every float32 constant (initializers, Constant and
// ConstantOfShape values) becomes float16, casts to float32 become casts to float16, and Casts at
// the float graph inputs/outputs keep the bundle's I/O contract (logits stay float32). Constants
// are clamped to the half range first: exporters write float32-min attention masks, which would
// become -Inf and turn `0 · -Inf` into NaN.
import { AppError } from '@emo/contracts';
import { GraphBuilder } from '../graph/graph-builder';
import {
  AttrType,
  DataType,
  toNumber,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from '../proto/onnx-codec';
import { float16Tensor, floatValues, tensorDims } from '../proto/tensor-data';

export interface Fp16Report {
  readonly initializers: number;
  readonly constants: number;
  readonly casts: number;
  /** Constants whose values were outside ±65504 and got clamped. */
  readonly clamped: number;
}

const HALF_MAX = 65504;

export function convertToFp16(model: OnnxModel): Fp16Report {
  const counts = { initializers: 0, constants: 0, casts: 0, clamped: 0 };
  convertGraph(model.graph, counts);
  castGraphIo(model.graph);
  model.graph.value_info = [];
  return counts;
}

function convertGraph(g: OnnxGraph, counts: { initializers: number; constants: number; casts: number; clamped: number }): void {
  g.initializer = g.initializer.map((t) => {
    if (t.data_type !== DataType.FLOAT) return t;
    counts.initializers++;
    return toHalf(t, counts);
  });
  for (const node of g.node) {
    for (const a of node.attribute ?? []) {
      if (a.g) convertGraph(a.g, counts);
      for (const sub of a.graphs ?? []) convertGraph(sub, counts);
    }
    if ((node.op_type === 'Constant' || node.op_type === 'ConstantOfShape') && !node.domain) {
      node.attribute = (node.attribute ?? []).map((a) => halfAttribute(a, counts));
    } else if (node.op_type === 'Cast' && !node.domain) {
      const to = node.attribute?.find((a) => a.name === 'to');
      if (to && toNumber(to.i) === DataType.FLOAT) {
        to.i = DataType.FLOAT16;
        counts.casts++;
      }
    } else if (node.domain && node.domain !== 'ai.onnx') {
      throw new AppError(
        'MODEL_MISMATCH',
        `fp16: cannot convert ${node.domain}.${node.op_type}; convert the float32 model, not an optimized or quantized one`,
      );
    }
  }
}

function halfAttribute(a: OnnxAttribute, counts: { constants: number; clamped: number }): OnnxAttribute {
  if (a.name === 'value' && a.t?.data_type === DataType.FLOAT) {
    counts.constants++;
    return { ...a, t: toHalf(a.t, counts) };
  }
  if (a.name === 'value_float') {
    counts.constants++;
    return { name: 'value', type: AttrType.TENSOR, t: toHalf({ data_type: DataType.FLOAT, dims: [], float_data: [a.f ?? 0] }, counts) };
  }
  if (a.name === 'value_floats') {
    counts.constants++;
    const values = a.floats ?? [];
    return {
      name: 'value',
      type: AttrType.TENSOR,
      t: toHalf({ data_type: DataType.FLOAT, dims: [values.length], float_data: values }, counts),
    };
  }
  return a;
}

function toHalf(t: OnnxTensor, counts: { clamped: number }): OnnxTensor {
  const values = floatValues(t);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > HALF_MAX || v < -HALF_MAX) {
      values[i] = v > 0 ? HALF_MAX : -HALF_MAX;
      counts.clamped++;
    }
  }
  return float16Tensor(t.name ?? '', tensorDims(t), values);
}

/** Float graph inputs are cast to half on entry; float outputs are cast back to float32. */
function castGraphIo(g: OnnxGraph): void {
  const b = new GraphBuilder(g);
  const prologue: OnnxNode[] = [];
  for (const input of g.input) {
    if (input.type?.tensor_type?.elem_type !== DataType.FLOAT || g.initializer.some((t) => t.name === input.name)) continue;
    const name = input.name ?? '';
    const half = b.fresh(`${name}_fp16`);
    for (const n of g.node) n.input = n.input.map((i) => (i === name ? half : i));
    const cast = b.node('Cast', [name], 1, { to: DataType.FLOAT16 });
    cast.output = [half];
    prologue.push(cast);
  }
  g.node.unshift(...prologue);
  for (const output of g.output) {
    if (output.type?.tensor_type?.elem_type !== DataType.FLOAT) continue;
    const name = output.name ?? '';
    const half = b.fresh(`${name}_fp16`);
    for (const n of g.node) {
      n.output = n.output.map((o) => (o === name ? half : o));
      n.input = n.input.map((i) => (i === name ? half : i));
    }
    const cast = b.node('Cast', [half], 1, { to: DataType.FLOAT });
    cast.output = [name];
    g.node.push(cast);
  }
}
