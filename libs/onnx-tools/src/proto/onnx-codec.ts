// Reads and writes ONNX ModelProto files with protobufjs over the embedded onnx.proto schema.
// Messages keep the schema's snake_case names (`op_type`, `raw_data`), so code reads like the
// ONNX spec. int64 fields decode to protobufjs Longs (kept: Slice ends such as INT64_MAX must
// survive a round trip); use `toNumber` where a small int64 is needed.
import { readFile, writeFile } from 'node:fs/promises';
import * as protobuf from 'protobufjs';
import { AppError } from '@emo/contracts';
import { ONNX_PROTO_SCHEMA } from './onnx-schema';

/** TensorProto.DataType values used by the tools. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values. */
export const AttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export type Int64 = number | protobuf.Long;

export interface OnnxTensor {
  name?: string;
  dims?: Int64[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: Int64[];
  double_data?: number[];
  data_location?: number;
  external_data?: { key?: string; value?: string }[];
}

export interface OnnxAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats?: number[];
  ints?: Int64[];
  graphs?: OnnxGraph[];
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: OnnxAttribute[];
}

export interface OnnxTypeProto {
  tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: Int64; dim_param?: string }[] } };
}

export interface OnnxValueInfo {
  name?: string;
  type?: OnnxTypeProto;
}

export interface OnnxGraph {
  node: OnnxNode[];
  name?: string;
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  value_info: OnnxValueInfo[];
}

export interface OnnxModel {
  ir_version?: Int64;
  opset_import: { domain?: string; version?: Int64 }[];
  producer_name?: string;
  producer_version?: string;
  graph: OnnxGraph;
  metadata_props?: { key?: string; value?: string }[];
}

let modelType: protobuf.Type | undefined;

function onnxModelType(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO_SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

export function decodeModel(bytes: Uint8Array): OnnxModel {
  let decoded: protobuf.Message;
  try {
    decoded = onnxModelType().decode(bytes);
  } catch (e) {
    throw new AppError('MODEL_CORRUPT', `not an ONNX model: ${(e as Error).message}`);
  }
  const model = decoded as unknown as OnnxModel;
  if (!model.graph) throw new AppError('MODEL_CORRUPT', 'ONNX model has no graph');
  const g = model.graph;
  g.node ??= [];
  g.initializer ??= [];
  g.input ??= [];
  g.output ??= [];
  g.value_info ??= [];
  for (const n of g.node) {
    n.input ??= [];
    n.output ??= [];
    n.attribute ??= [];
  }
  if (g.initializer.some((t) => t.data_location === 1)) {
    throw new AppError('MODEL_MISMATCH', 'models with external tensor data are not supported by the onnx tools');
  }
  return model;
}

export function encodeModel(model: OnnxModel): Uint8Array {
  return onnxModelType()
    .encode(model as unknown as protobuf.Message)
    .finish();
}

export async function readModel(path: string): Promise<OnnxModel> {
  return decodeModel(await readFile(path));
}

export async function writeModel(path: string, model: OnnxModel): Promise<number> {
  const bytes = encodeModel(model);
  await writeFile(path, bytes);
  return bytes.byteLength;
}

export function toNumber(value: Int64 | undefined): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  // low/high are the two 32-bit halves (protobufjs' Long shape), whether or not long.js is loaded.
  return value.high * 4294967296 + (value.low >>> 0);
}

/** The opset version the model imports for a domain ('' = ai.onnx), or undefined. */
export function opsetVersion(model: OnnxModel, domain = ''): number | undefined {
  const entry = model.opset_import.find((o) => (o.domain ?? '') === domain || (domain === '' && o.domain === 'ai.onnx'));
  return entry ? toNumber(entry.version) : undefined;
}

/** Adds an opset import for a domain when the model does not have one. */
export function ensureOpset(model: OnnxModel, domain: string, version: number): void {
  if (opsetVersion(model, domain) === undefined) model.opset_import.push({ domain, version });
}
