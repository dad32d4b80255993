// Maps the one app config onto engine options.
import type { AppConfig } from '@emo/config';
import type { EngineOptions } from './inference-engine';
import { batchPolicyFromConfig } from './scheduling/batch-scheduler-factory';

export function engineOptionsFromConfig(config: AppConfig, onWarning?: (message: string) => void): EngineOptions {
  return {
    modelDir: config.modelDir,
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
