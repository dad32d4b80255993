// Offline ONNX tools (the CLI and benchmarks use them; apps/api and apps/worker never do): the
// ONNX protobuf codec, int8/fp16 variants with an accuracy gate, the benchmark-only model
// generator and the session benchmark harness.
export * from './proto/onnx-codec';
export * from './proto/tensor-data';
export * from './graph/graph-builder';
export * from './generate/roberta-shaped-model';
export * from './generate/seeded-random';
export * from './generate/roberta-shaped-bundle';
export * from './quantize/weight-quantization';
export * from './quantize/int8-dynamic-quantizer';
export * from './quantize/fp16-converter';
export * from './quantize/accuracy-gate';
export * from './quantize/labelled-tsv';
export * from './quantize/build-variant';
export * from './quantize/quantize-bundle';
export * from './bench/session-benchmark';
export * from './bench/shared-data';
export * from './bench/model-benchmark';
