// Maps the one app config onto engine options.
import { enforcePrecisionForProviders, type AppConfig } from '@emo/config';
import type { EngineOptions } from './inference-engine';
import { batchPolicyFromConfig } from './scheduling/batch-scheduler-factory';

/** Also applies the precision/device rules (INT8_ON_CUDA, FP16_ON_CPU): warns or refuses. */
export function engineOptionsFromConfig(config: AppConfig, onWarning?: (message: string) => void): EngineOptions {
  enforcePrecisionForProviders(config.engine.precision, config.engine.executionProviders, config.onnx, onWarning ?? (() => undefined));
  return {
    modelDir: config.engine.modelDir,
    precision: config.engine.precision,
    int8SaturatingKernel: config.onnx.int8SaturatingKernel,
    executionProviders: config.engine.executionProviders,
    graphOptimizationLevel: config.engine.graphOptimizationLevel,
    intraOpThreads: config.engine.intraOpThreads,
    inferenceThreads: config.engine.inferenceThreads,
    optimizedModelCacheDir: config.engine.optimizedModelCacheDir,
    maxSequenceLength: config.engine.maxSequenceLength,
    batchMaxTokens: config.batching.batchMaxTokens,
    batchMaxSize: config.batching.batchMaxSize,
    batchPolicy: batchPolicyFromConfig(config),
    includeScores: config.engine.includeScores,
    maxTextChars: config.engine.maxTextChars,
    longTextPolicy: config.engine.longTextPolicy,
    onWarning,
  };
}
