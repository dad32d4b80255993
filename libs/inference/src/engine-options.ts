// Maps the one app config onto engine options.
import { enforcePrecisionForProviders, type AppConfig } from '@emo/config';
import type { EngineOptions } from './inference-engine';
import { batchPolicyFromConfig } from './scheduling/batch-scheduler-factory';

/** Also applies the precision/device rules (INT8_ON_CUDA, FP16_ON_CPU): warns or refuses. */
export function engineOptionsFromConfig(config: AppConfig, onWarning?: (message: string) => void): EngineOptions {
  enforcePrecisionForProviders(config.precision, config.executionProviders, config, onWarning ?? (() => undefined));
  return {
    modelDir: config.modelDir,
    precision: config.precision,
    int8SaturatingKernel: config.int8SaturatingKernel,
    executionProviders: config.executionProviders,
    graphOptimizationLevel: config.graphOptimizationLevel,
    intraOpThreads: config.intraOpThreads,
    inferenceThreads: config.inferenceThreads,
    optimizedModelCacheDir: config.optimizedModelCacheDir,
    maxSequenceLength: config.maxSequenceLength,
    batchMaxTokens: config.batchMaxTokens,
    batchMaxSize: config.batchMaxSize,
    batchPolicy: batchPolicyFromConfig(config),
    includeScores: config.includeScores,
    maxTextChars: config.maxTextChars,
    longTextPolicy: config.longTextPolicy,
    onWarning,
  };
}
