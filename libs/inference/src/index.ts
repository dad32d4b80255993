export * from './batching/length-sorted-batches';
export * from './batching/padded-batch';
export * from './inference-engine';
export * from './postprocess/score-postprocessor';
export type { GraphOptimizationLevel, SessionRequest } from './session/ort-session-factory';
export * from './thread/inference-pool';
export * from './tokenization/bundle-tokenizer';
export * from './engine-options';
export * from './evaluation/multilabel-metrics';
