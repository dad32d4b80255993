// INT8 dynamic quantization of an ONNX graph (what onnxruntime.quantization.quantize_dynamic does,
// in TypeScript): MatMul/Gemm nodes with a constant float weight get int8 weights (symmetric,
// per column where it pays) and quantize their activations at run time.
//  - ops 'microsoft' (default): one com.microsoft DynamicQuantizeMatMul per layer, with the
//    following bias Add folded in; ORT's CPU kernel quantizes A to uint8 and runs MLAS u8s8 GEMM.
//  - ops 'onnx': standard ai.onnx DynamicQuantizeLinear + MatMulInteger + Cast + Mul, for runtimes
//    without Microsoft contrib ops (ORT fuses this pattern back into the same kernel).
// Optionally the embedding tables read by Gather become int8 with one scale per row.
import { AppError } from '@emo/contracts';
import { findAttribute, GraphBuilder } from '../graph/graph-builder';
import { DataType, ensureOpset, toNumber, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from '../proto/onnx-codec';
import { floatTensor, floatValues, int8Tensor, tensorDims } from '../proto/tensor-data';
import { quantizeColumns, quantizeRows, transpose, type PerChannelPolicy } from './weight-quantization';

export interface Int8Options {
  readonly ops?: 'microsoft' | 'onnx';
  readonly perChannel?: PerChannelPolicy;
  /** Quantize Gather'ed embedding tables too (int8 + a scale per row). */
  readonly embeddings?: boolean;
  /** 7-bit weights (ORT's reduce_range) for CPUs without VNNI. */
  readonly reduceRange?: boolean;
  /** Weights with fewer elements stay float: quantizing activations costs more than it saves. */
  readonly minWeightElements?: number;
  /** Keep the layer that produces the logits in float (default true): its error lands on the scores unfiltered. */
  readonly keepOutputLayer?: boolean;
  /**
   * Keep layers fed straight by an embedding lookup in float (default true): raw embedding rows
   * (e.g. GloVe) have outliers that per-tensor activation quantization handles badly.
   */
  readonly keepEmbeddingProjection?: boolean;
  /** Nodes to keep in float, by node name or weight name (ORT's nodes_to_exclude). */
  readonly exclude?: readonly string[];
}

export interface Int8Report {
  readonly matmuls: number;
  readonly gemms: number;
  readonly perChannel: number;
  readonly embeddings: number;
  readonly skipped: readonly string[];
  /** Largest relative RMS weight error over all quantized weights. */
  readonly maxWeightError: number;
}

const MS_DOMAIN = 'com.microsoft';

export function quantizeInt8(model: OnnxModel, options: Int8Options = {}): Int8Report {
  const ops = options.ops ?? 'microsoft';
  const qmax = options.reduceRange ? 63 : 127;
  const minElements = options.minWeightElements ?? 256;
  const g = model.graph;
  const b = new GraphBuilder(g);
  const inits = new Map(g.initializer.map((t) => [t.name ?? '', t]));
  const consumers = consumerMap(g);
  const graphOutputs = new Set(g.output.map((o) => o.name));
  const removed = new Set<OnnxNode>();
  const replaced = new Map<OnnxNode, OnnxNode[]>();
  const skipped: string[] = [];
  let matmuls = 0;
  let gemms = 0;
  let perChannel = 0;
  let embeddings = 0;
  let maxWeightError = 0;

  const weightOf = (name: string, nodeName: string): { t: OnnxTensor; dims: number[] } | undefined => {
    const t = inits.get(name);
    if (!t) return undefined;
    const dims = tensorDims(t);
    if (t.data_type !== DataType.FLOAT || dims.length !== 2)
      return void skipped.push(`${nodeName}: weight ${name} is not a 2-D float32 constant`);
    if (dims[0] * dims[1] < minElements)
      return void skipped.push(`${nodeName}: weight ${name} has ${dims[0] * dims[1]} elements (< ${minElements})`);
    return { t, dims };
  };

  const emit = (
    node: OnnxNode,
    a: string,
    w: Float32Array,
    k: number,
    n: number,
    bias: string | undefined,
    output: string,
    label: string,
  ) => {
    const q = quantizeColumns(w, k, n, options.perChannel ?? 'auto', qmax);
    maxWeightError = Math.max(maxWeightError, q.relativeError);
    if (q.perChannel) perChannel++;
    const bq = b.initializer(int8Tensor(`${label}_quantized`, [k, n], q.values));
    const scaleDims = q.perChannel ? [n] : [];
    const scale = b.initializer(floatTensor(`${label}_scale`, scaleDims, q.scales));
    const zero = b.initializer(int8Tensor(`${label}_zero_point`, scaleDims, new Int8Array(q.scales.length)));
    const nodes: OnnxNode[] = [];
    if (ops === 'microsoft') {
      const dq = b.node('DynamicQuantizeMatMul', bias ? [a, bq, scale, zero, bias] : [a, bq, scale, zero], 1, {}, MS_DOMAIN);
      dq.output = [output];
      nodes.push(dq);
    } else {
      const dql = b.node('DynamicQuantizeLinear', [a], [`${label}_a_q`, `${label}_a_scale`, `${label}_a_zero_point`]);
      const mmi = b.node('MatMulInteger', [dql.output[0], bq, dql.output[2], zero], [`${label}_int32`]);
      const cast = b.node('Cast', [mmi.output[0]], [`${label}_float`], { to: DataType.FLOAT });
      const combined = b.node('Mul', [dql.output[1], scale], [`${label}_out_scale`]);
      const mul = b.node('Mul', [cast.output[0], combined.output[0]], bias ? [`${label}_no_bias`] : 1);
      nodes.push(dql, mmi, cast, combined, mul);
      if (bias) nodes.push({ ...b.node('Add', [mul.output[0], bias]), output: [output] });
      else mul.output = [output];
    }
    replaced.set(node, nodes);
  };

  const excluded = new Set(options.exclude ?? []);
  const producers = new Map<string, OnnxNode>();
  for (const n of g.node) for (const o of n.output) producers.set(o, n);
  const outputLayer = options.keepOutputLayer === false ? undefined : outputProducer(g);
  for (const node of g.node) {
    const name = node.name || node.output[0];
    if (node === outputLayer) {
      skipped.push(`${name}: output layer kept in float`);
      continue;
    }
    if (
      options.keepEmbeddingProjection !== false &&
      (node.op_type === 'MatMul' || node.op_type === 'Gemm') &&
      fedByEmbedding(node, producers, inits)
    ) {
      skipped.push(`${name}: embedding projection kept in float`);
      continue;
    }
    if (excluded.has(name) || excluded.has(node.input[1] ?? '')) {
      skipped.push(`${name}: excluded`);
      continue;
    }
    if (node.op_type === 'MatMul' && !node.domain) {
      const w = weightOf(node.input[1], name);
      if (!w) continue;
      const [k, n] = w.dims;
      // Fold a following `Add(bias)` into the fused kernel when nothing else reads the product.
      const readers = consumers.get(node.output[0]) ?? [];
      const add = readers.length === 1 && !graphOutputs.has(node.output[0]) ? readers[0] : undefined;
      const biasName = add?.op_type === 'Add' && !add.domain ? add.input.find((i) => i !== node.output[0]) : undefined;
      const bias = biasName !== undefined ? inits.get(biasName) : undefined;
      const foldBias =
        ops === 'microsoft' &&
        bias?.data_type === DataType.FLOAT &&
        tensorDims(bias).length === 1 &&
        tensorDims(bias)[0] === n &&
        add?.input.includes(node.output[0]);
      emit(
        node,
        node.input[0],
        floatValues(w.t),
        k,
        n,
        foldBias ? biasName : undefined,
        foldBias && add ? add.output[0] : node.output[0],
        sanitize(node.input[1]),
      );
      if (foldBias && add) removed.add(add);
      matmuls++;
    } else if (node.op_type === 'Gemm' && !node.domain) {
      const alpha = findAttribute(node, 'alpha')?.f ?? 1;
      const beta = findAttribute(node, 'beta')?.f ?? 1;
      const transA = toNumber(findAttribute(node, 'transA')?.i);
      const transB = toNumber(findAttribute(node, 'transB')?.i);
      if (alpha !== 1 || beta !== 1 || transA !== 0) {
        skipped.push(`${name}: Gemm with alpha/beta ≠ 1 or transA`);
        continue;
      }
      const w = weightOf(node.input[1], name);
      if (!w) continue;
      const [k, n] = transB ? [w.dims[1], w.dims[0]] : w.dims;
      const values = transB ? transpose(floatValues(w.t), w.dims[0], w.dims[1]) : floatValues(w.t);
      const bias = node.input[2] ? vectorBias(b, inits.get(node.input[2]), n) : undefined;
      if (node.input[2] && !bias) {
        skipped.push(`${name}: Gemm bias ${node.input[2]} is not a constant of ${n} values`);
        continue;
      }
      emit(node, node.input[0], values, k, n, bias, node.output[0], sanitize(node.input[1]));
      gemms++;
    }
  }

  if (options.embeddings)
    embeddings = quantizeEmbeddings(b, inits, consumers, replaced, qmax, (e) => (maxWeightError = Math.max(maxWeightError, e)));

  g.node = g.node.flatMap((n) => (removed.has(n) ? [] : (replaced.get(n) ?? [n])));
  pruneInitializers(g);
  // DynamicQuantizeMatMul/MatMulInteger outputs are typed by ORT; stale value_info would conflict.
  g.value_info = [];
  if (ops === 'microsoft' && (matmuls > 0 || gemms > 0)) ensureOpset(model, MS_DOMAIN, 1);
  if (matmuls + gemms === 0 && embeddings === 0)
    throw new AppError('MODEL_MISMATCH', `nothing to quantize: ${skipped.join('; ') || 'no MatMul/Gemm with constant weights'}`);
  return { matmuls, gemms, perChannel, embeddings, skipped, maxWeightError };
}

/** Replaces float tables read only by `Gather(table, ids)` with int8 rows × a per-row scale. */
function quantizeEmbeddings(
  b: GraphBuilder,
  inits: Map<string, OnnxTensor>,
  consumers: Map<string, OnnxNode[]>,
  replaced: Map<OnnxNode, OnnxNode[]>,
  qmax: number,
  onError: (e: number) => void,
): number {
  let count = 0;
  for (const [name, t] of inits) {
    const readers = consumers.get(name) ?? [];
    const dims = tensorDims(t);
    if (t.data_type !== DataType.FLOAT || dims.length !== 2 || readers.length === 0) continue;
    if (
      !readers.every(
        (n) =>
          n.op_type === 'Gather' && !n.domain && n.input[0] === name && toNumber(findAttribute(n, 'axis')?.i) === 0 && !replaced.has(n),
      )
    )
      continue;
    const q = quantizeRows(floatValues(t), dims[0], dims[1], qmax);
    onError(q.relativeError);
    const table = b.initializer(int8Tensor(`${sanitize(name)}_quantized`, dims, q.values));
    // Scales as [rows, 1]: Gather gives [..., 1], which broadcasts over the hidden dimension.
    const scales = b.initializer(floatTensor(`${sanitize(name)}_row_scale`, [dims[0], 1], q.scales));
    for (const gather of readers) {
      const rows = b.node('Gather', [table, gather.input[1]], [`${sanitize(name)}_rows_int8`], { axis: 0 });
      const cast = b.node('Cast', [rows.output[0]], [`${sanitize(name)}_rows`], { to: DataType.FLOAT });
      const rowScale = b.node('Gather', [scales, gather.input[1]], [`${sanitize(name)}_rows_scale`], { axis: 0 });
      const mul = b.node('Mul', [cast.output[0], rowScale.output[0]]);
      mul.output = [gather.output[0]];
      replaced.set(gather, [rows, cast, rowScale, mul]);
    }
    count++;
  }
  return count;
}

/** A node whose activation input is `Gather(constant table, ids)`: an embedding lookup. */
function fedByEmbedding(node: OnnxNode, producers: Map<string, OnnxNode>, inits: Map<string, OnnxTensor>): boolean {
  const p = producers.get(node.input[0]);
  return p?.op_type === 'Gather' && !p.domain && inits.has(p.input[0]) && inits.get(p.input[0])?.data_type === DataType.FLOAT;
}

/** The MatMul/Gemm whose result reaches the first graph output through shape/identity/bias ops only. */
function outputProducer(g: OnnxGraph): OnnxNode | undefined {
  const producers = new Map<string, OnnxNode>();
  for (const n of g.node) for (const o of n.output) producers.set(o, n);
  const passThrough = new Set(['Identity', 'Add', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Cast']);
  let name = g.output[0]?.name;
  for (let hops = 0; name !== undefined && hops < 8; hops++) {
    const n = producers.get(name);
    if (!n || n.domain) return undefined;
    if (n.op_type === 'MatMul' || n.op_type === 'Gemm') return n;
    if (!passThrough.has(n.op_type ?? '')) return undefined;
    // Follow the non-constant input (an Add's other operand is the bias).
    name = n.input.find((i) => producers.has(i));
  }
  return undefined;
}

/** A bias usable by the fused kernel: a float constant of exactly n values (any leading 1-dims). */
function vectorBias(b: GraphBuilder, t: OnnxTensor | undefined, n: number): string | undefined {
  if (!t || t.data_type !== DataType.FLOAT) return undefined;
  const values = floatValues(t);
  if (values.length !== n) return undefined;
  return tensorDims(t).length === 1 ? t.name : b.initializer(floatTensor(`${sanitize(t.name ?? 'bias')}_vector`, [n], values));
}

function consumerMap(g: OnnxGraph): Map<string, OnnxNode[]> {
  const map = new Map<string, OnnxNode[]>();
  for (const n of g.node) {
    for (const input of new Set(n.input)) {
      if (!input) continue;
      const list = map.get(input) ?? [];
      list.push(n);
      map.set(input, list);
    }
  }
  return map;
}

/** Drops initializers that no node (or subgraph) reads any more. */
function pruneInitializers(g: OnnxGraph): void {
  const read = new Set<string>(g.output.map((o) => o.name ?? ''));
  const visit = (graph: OnnxGraph) => {
    for (const n of graph.node) {
      for (const i of n.input) read.add(i);
      for (const a of n.attribute ?? []) {
        if (a.g) visit(a.g);
        for (const sub of a.graphs ?? []) visit(sub);
      }
    }
  };
  visit(g);
  const dropped = new Set(g.initializer.filter((t) => !read.has(t.name ?? '')).map((t) => t.name));
  g.initializer = g.initializer.filter((t) => !dropped.has(t.name));
  // Old exporters list initializers as graph inputs too; drop the ones whose initializer went away.
  g.input = g.input.filter((i) => !dropped.has(i.name));
}

const sanitize = (name: string): string => name.replace(/[^A-Za-z0-9_.]/g, '_');
