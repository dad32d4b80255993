// Builds a RoBERTa-base-shaped classifier graph with random seeded weights, for speed
// measurements only (its predictions mean nothing). The graph is what a Hugging Face export of
// RobertaForSequenceClassification looks like to ONNX Runtime: word + position (cumsum of the
// mask, padding_idx 1) + token-type embeddings, LayerNorm, 12 post-LN layers of masked multi-head
// attention and an erf-GELU FFN, the <s>-token classification head (dense + tanh + out_proj as
// Gemm), in standard ai.onnx ops (opset 17). Inputs input_ids/attention_mask int64 [batch, seq],
// output logits float32 [batch, labels].
import { GraphBuilder } from '../graph/graph-builder';
import { DataType, type OnnxModel, type OnnxValueInfo } from '../proto/onnx-codec';
import { floatTensor, int64Tensor } from '../proto/tensor-data';
import { SeededRandom } from './seeded-random';

export interface TransformerShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly ffn: number;
  readonly vocab: number;
  readonly maxPositions: number;
  readonly labels: number;
}

export const ROBERTA_BASE_SHAPE: Omit<TransformerShape, 'vocab' | 'labels'> = {
  layers: 12,
  hidden: 768,
  heads: 12,
  ffn: 3072,
  maxPositions: 514,
};

export const GENERATOR_VERSION = 1;
const PADDING_IDX = 1;
const INIT_STD = 0.02;
const OPSET = 17;

export function buildTransformerClassifier(shape: TransformerShape, seed: number): OnnxModel {
  const { hidden, heads, ffn, labels } = shape;
  const headDim = hidden / heads;
  const model: OnnxModel = {
    ir_version: 8,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: 'emo-fleet onnx-tools (benchmark-only generator)',
    producer_version: String(GENERATOR_VERSION),
    graph: {
      name: 'roberta_shaped',
      node: [],
      initializer: [],
      input: [io('input_ids', DataType.INT64, ['batch', 'sequence']), io('attention_mask', DataType.INT64, ['batch', 'sequence'])],
      output: [io('logits', DataType.FLOAT, ['batch', labels])],
      value_info: [],
    },
    metadata_props: [{ key: 'benchmark_only', value: 'true: random weights, predictions are meaningless' }],
  };
  const b = new GraphBuilder(model.graph);
  const rng = new SeededRandom(seed);
  const weight = (name: string, dims: number[]) =>
    b.initializer(
      floatTensor(
        name,
        dims,
        rng.fill(
          dims.reduce((x, y) => x * y, 1),
          INIT_STD,
        ),
      ),
    );
  const constant = (name: string, dims: number[], values: number[]) => b.initializer(floatTensor(name, dims, Float32Array.from(values)));
  const ints = (name: string, values: number[], dims = [values.length]) => b.initializer(int64Tensor(name, dims, values));
  const ones = (name: string, n: number) => constant(name, [n], new Array(n).fill(1));
  const zeros = (name: string, n: number) => constant(name, [n], new Array(n).fill(0));
  const layerNorm = (x: string, prefix: string) =>
    b.add('LayerNormalization', [x, ones(`${prefix}.weight`, hidden), zeros(`${prefix}.bias`, hidden)], {
      axis: -1,
      epsilon: { float: 1e-5 },
    });
  const linear = (x: string, prefix: string, inDim: number, outDim: number) =>
    b.add('Add', [b.add('MatMul', [x, weight(`${prefix}.weight`, [inDim, outDim])]), zeros(`${prefix}.bias`, outDim)]);

  // Embeddings. RoBERTa positions: cumsum(mask) * mask + padding_idx, so pads sit at padding_idx.
  const cumsum = b.add('CumSum', ['attention_mask', ints('axis_1', [1], [])]);
  const positions = b.add('Add', [b.add('Mul', [cumsum, 'attention_mask']), ints('padding_idx', [PADDING_IDX], [])]);
  const words = b.add('Gather', [weight('embeddings.word_embeddings.weight', [shape.vocab, hidden]), 'input_ids']);
  const pos = b.add('Gather', [weight('embeddings.position_embeddings.weight', [shape.maxPositions, hidden]), positions]);
  const tokenType = weight('embeddings.token_type_embeddings.row0', [hidden]);
  let h = layerNorm(b.add('Add', [b.add('Add', [words, pos]), tokenType]), 'embeddings.LayerNorm');

  // Additive attention mask [batch, 1, 1, seq]: 0 where attended, float32 min where padded.
  const mask4 = b.add('Cast', [b.add('Unsqueeze', ['attention_mask', ints('axes_1_2', [1, 2])])], { to: DataType.FLOAT });
  const one = constant('one', [], [1]);
  const extMask = b.add('Mul', [b.add('Sub', [one, mask4]), constant('float_min', [], [-3.4028234663852886e38])]);
  const splitShape = ints('split_heads_shape', [0, 0, heads, headDim]);
  const mergeShape = ints('merge_heads_shape', [0, 0, hidden]);
  const scale = constant('attention_scale', [], [Math.sqrt(headDim)]);
  const sqrt2 = constant('sqrt2', [], [Math.SQRT2]);
  const half = constant('half', [], [0.5]);

  for (let l = 0; l < shape.layers; l++) {
    const p = `encoder.layer.${l}`;
    const split = (x: string, perm: number[]) => b.add('Transpose', [b.add('Reshape', [x, splitShape])], { perm });
    const q = split(linear(h, `${p}.attention.self.query`, hidden, hidden), [0, 2, 1, 3]);
    const k = split(linear(h, `${p}.attention.self.key`, hidden, hidden), [0, 2, 3, 1]);
    const v = split(linear(h, `${p}.attention.self.value`, hidden, hidden), [0, 2, 1, 3]);
    const scores = b.add('Add', [b.add('Div', [b.add('MatMul', [q, k]), scale]), extMask]);
    const context = b.add('MatMul', [b.add('Softmax', [scores], { axis: -1 }), v]);
    const merged = b.add('Reshape', [b.add('Transpose', [context], { perm: [0, 2, 1, 3] }), mergeShape]);
    const attnOut = layerNorm(
      b.add('Add', [linear(merged, `${p}.attention.output.dense`, hidden, hidden), h]),
      `${p}.attention.output.LayerNorm`,
    );
    const inter = linear(attnOut, `${p}.intermediate.dense`, hidden, ffn);
    const gelu = b.add('Mul', [b.add('Mul', [inter, b.add('Add', [b.add('Erf', [b.add('Div', [inter, sqrt2])]), one])]), half]);
    h = layerNorm(b.add('Add', [linear(gelu, `${p}.output.dense`, ffn, hidden), attnOut]), `${p}.output.LayerNorm`);
  }

  // Classification head on the <s> token; torch exports 2-D Linear layers as Gemm(transB=1).
  const first = b.add('Gather', [h, ints('index_0', [0], [])], { axis: 1 });
  const gemm = (x: string, prefix: string, inDim: number, outDim: number) =>
    b.add('Gemm', [x, weight(`${prefix}.weight`, [outDim, inDim]), zeros(`${prefix}.bias`, outDim)], { transB: 1 });
  const dense = b.add('Tanh', [gemm(first, 'classifier.dense', hidden, hidden)]);
  const logits = gemm(dense, 'classifier.out_proj', hidden, labels);
  model.graph.node.push({ op_type: 'Identity', name: 'logits_identity', input: [logits], output: ['logits'], attribute: [] });
  return model;
}

function io(name: string, elemType: number, dims: (string | number)[]): OnnxValueInfo {
  return {
    name,
    type: {
      tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } },
    },
  };
}
