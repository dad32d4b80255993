// The graph behind the runtime's int8 kernel probe (libs/inference int8-kernel-probe.ts keeps its
// bytes): one DynamicQuantizeMatMul whose activations quantize to 255 and whose weights are 127 in
// column 0 and 63 in column 1. x86 CPUs without VNNI run ONNX Runtime's u8s8 GEMM with
// VPMADDUBSW, which adds two u8×s8 products into a saturating int16: 255·127·2 = 64,770 > 32,767,
// so column 0 comes out near half its exact value there, while 255·63·2 = 32,130 always fits
// (that is why reduced-range, 7-bit weights are exact on every x86 CPU).
import { GraphBuilder } from '../graph/graph-builder';
import { DataType, type OnnxModel } from '../proto/onnx-codec';
import { floatTensor, int8Tensor } from '../proto/tensor-data';

/** Inner dimension of the probe: a multiple of every kernel's K-packing (4 for u8s8 on x86). */
export const PROBE_K = 64;

export function buildInt8KernelProbeModel(): OnnxModel {
  const tensor = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  });
  const model: OnnxModel = {
    ir_version: 8,
    opset_import: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    producer_name: 'emo-fleet onnx-tools (int8 kernel probe)',
    graph: {
      name: 'int8_kernel_probe',
      node: [],
      initializer: [],
      input: [tensor('a', ['m', PROBE_K])],
      output: [tensor('y', ['m', 2])],
      value_info: [],
    },
  } as OnnxModel;
  const b = new GraphBuilder(model.graph);
  const weights = new Int8Array(PROBE_K * 2);
  for (let k = 0; k < PROBE_K; k++) {
    weights[k * 2] = 127;
    weights[k * 2 + 1] = 63;
  }
  const w = b.initializer(int8Tensor('w', [PROBE_K, 2], weights));
  const scale = b.initializer(floatTensor('w_scale', [], Float32Array.of(1)));
  const zero = b.initializer(int8Tensor('w_zero_point', [], new Int8Array(1)));
  const node = b.node('DynamicQuantizeMatMul', ['a', w, scale, zero], ['y'], {}, 'com.microsoft');
  node.output = ['y'];
  model.graph.node.push(node);
  return model;
}
