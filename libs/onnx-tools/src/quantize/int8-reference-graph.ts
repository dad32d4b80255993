// A float32 graph that computes what an int8 graph produced by quantizeInt8 ('microsoft' ops)
// computes, with the integer arithmetic spelled out in ordinary ops, so the int8 kernels can be
// checked against it instead of against one machine's observed error:
//  - 'exact': Σ (a_q − a_zp) · w_q in exact integers (what VNNI and ARM kernels compute);
//  - 'pairwise-saturating': what x86 u8s8 kernels without VNNI compute (VPMADDUBSW): products of
//    consecutive k pairs summed into an int16 that saturates at ±32,767, then widened; the zero
//    point is subtracted afterwards as a_zp · Σ w_q.
// Every intermediate is an integer below 2^24 for K ≤ 128, so float32 holds it exactly.
import { AppError } from '@emo/contracts';
import { GraphBuilder } from '../graph/graph-builder';
import { DataType, type OnnxModel, type OnnxNode } from '../proto/onnx-codec';
import { floatTensor, floatValues, int64Tensor, tensorDims } from '../proto/tensor-data';

export type Int8KernelArithmetic = 'exact' | 'pairwise-saturating';

export function int8ReferenceGraph(source: OnnxModel, arithmetic: Int8KernelArithmetic): OnnxModel {
  const model = structuredClone(source);
  const g = model.graph;
  const b = new GraphBuilder(g);
  const inits = new Map(g.initializer.map((t) => [t.name ?? '', t]));
  const replaced = new Map<OnnxNode, OnnxNode[]>();
  const constant = (name: string, dims: number[], values: number[]) => b.initializer(floatTensor(name, dims, Float32Array.from(values)));
  const ints = (name: string, values: number[]) => b.initializer(int64Tensor(name, [values.length], values));

  for (const node of g.node) {
    if (node.op_type !== 'DynamicQuantizeMatMul' || node.domain !== 'com.microsoft') continue;
    const [a, wName, scaleName, zeroName, bias] = node.input;
    const w = inits.get(wName);
    const scale = inits.get(scaleName);
    if (!w || w.data_type !== DataType.INT8 || !scale) throw new AppError('MODEL_MISMATCH', `${node.name}: weights are not int8 constants`);
    if (zeroName && inits.get(zeroName)?.raw_data?.some((z) => z !== 0))
      throw new AppError('MODEL_MISMATCH', `${node.name}: only symmetric weights (zero point 0) are modelled`);
    const [k, n] = tensorDims(w);
    const wq = Array.from(new Int8Array((w.raw_data as Uint8Array).slice().buffer));
    const nodes: OnnxNode[] = [];
    const add = (op: string, inputs: string[], attrs: Parameters<GraphBuilder['node']>[3] = {}, outputs: string[] | number = 1) => {
      const made = b.node(op, inputs, outputs, attrs);
      nodes.push(made);
      return made.output;
    };
    const [aq, aScale, aZero] = add('DynamicQuantizeLinear', [a], {}, [`${wName}_ref_aq`, `${wName}_ref_as`, `${wName}_ref_azp`]);
    const qf = add('Cast', [aq], { to: DataType.FLOAT })[0];
    const zf = add('Cast', [aZero], { to: DataType.FLOAT })[0];
    let acc: string;
    if (arithmetic === 'exact') {
      acc = add('MatMul', [add('Sub', [qf, zf])[0], constant(`${wName}_ref_w`, [k, n], wq)])[0];
    } else {
      // [rows, k/2, 2, 1] × [k/2, 2, n] → pair sums [rows, k/2, n] → saturate → Σ over pairs.
      const pairs = add('Reshape', [qf, ints(`${wName}_ref_pairs_shape`, [-1, k / 2, 2, 1])])[0];
      const products = add('Mul', [pairs, constant(`${wName}_ref_w_pairs`, [k / 2, 2, n], wq)])[0];
      const pairSums = add('ReduceSum', [products, ints(`${wName}_ref_axis_pair`, [2])], { keepdims: 0 })[0];
      const saturated = add('Clip', [
        pairSums,
        constant(`${wName}_ref_i16_min`, [], [-32768]),
        constant(`${wName}_ref_i16_max`, [], [32767]),
      ])[0];
      const sums = add('ReduceSum', [saturated, ints(`${wName}_ref_axis_k`, [1])], { keepdims: 0 })[0];
      const colSums = Array.from({ length: n }, (_, c) => wq.reduce((s, _v, r) => (r % n === c ? s + wq[r] : s), 0));
      const corrected = add('Sub', [sums, add('Mul', [zf, constant(`${wName}_ref_w_colsum`, [n], colSums)])[0]])[0];
      const leading = add('Shape', [a], { end: -1 })[0];
      acc = add('Reshape', [corrected, add('Concat', [leading, ints(`${wName}_ref_n`, [n])], { axis: 0 })[0]])[0];
    }
    const scales = constant(`${wName}_ref_w_scale`, tensorDims(scale), Array.from(floatValues(scale)));
    const scaled = add('Mul', [acc, add('Mul', [aScale, scales])[0]])[0];
    const out = bias ? add('Add', [scaled, bias]) : add('Identity', [scaled]);
    nodes[nodes.length - 1].output = [node.output[0]];
    void out;
    replaced.set(node, nodes);
  }
  if (replaced.size === 0) throw new AppError('MODEL_MISMATCH', 'no DynamicQuantizeMatMul to model');
  g.node = g.node.flatMap((n) => replaced.get(n) ?? [n]);
  g.value_info = [];
  return model;
}
