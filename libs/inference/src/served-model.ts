// The model as it is served: the bundle at the configured precision (an int8 variant only where
// this CPU's int8 kernel keeps it exact: int8-kernel-guard), its tokenizer, the postprocess spec,
// and a started pool of sessions. The engine serves through it; the fixed-plan runner (benchmark
// baselines) runs the same model the same way, so the two differ only in how batches form.
import { servedModelId } from '@emo/contracts';
import { enforcePrecisionForProviders, type EngineConfig, type OnnxConfig } from '@emo/config';
import { assertServable, loadModelBundle, resolveModelVariant, type ModelBundle } from '@emo/model';
import type { PostprocessSpec } from './postprocess/score-postprocessor';
import type { SessionRequest } from './session/ort-session-factory';
import { chooseInt8SafeBundle } from './session/int8-kernel-guard';
import { choosePrecision, type PrecisionChoice } from './session/precision-choice';
import { InferencePool } from './thread/inference-pool';
import { inlineThreadChoices } from './thread/inline-threads';
import { BundleTokenizer } from './tokenization/bundle-tokenizer';

/** AppConfig's engine section; without `optimizedModelCacheDir` nothing is cached on disk (evaluation runs, specs). */
export type ServedEngineConfig = Omit<EngineConfig, 'optimizedModelCacheDir' | 'allowBenchmarkModel'> & {
  readonly optimizedModelCacheDir?: string;
  /** ALLOW_BENCHMARK_MODEL: serve a benchmark_only bundle (random labels); refused when absent or false. */
  readonly allowBenchmarkModel?: boolean;
};

export interface ServedModelConfig {
  readonly engine: ServedEngineConfig;
  readonly onnx: OnnxConfig;
}

export interface ServedModel {
  readonly bundle: ModelBundle;
  readonly tokenizer: BundleTokenizer;
  readonly spec: PostprocessSpec;
  readonly pool: InferencePool;
  /** The precision served (PRECISION, or what `auto` chose on this device) and why. */
  readonly precision: PrecisionChoice;
}

/** Also applies the precision/device rules (INT8_ON_CUDA, FP16_ON_CPU): warns or refuses with CONFIG_INVALID. */
export async function startServedModel(
  config: ServedModelConfig,
  onWarning: (message: string) => void = () => undefined,
): Promise<ServedModel> {
  const { engine, onnx } = config;
  const choice = choosePrecision(engine.precision, engine.modelDir, engine.executionProviders);
  enforcePrecisionForProviders(choice.precision, engine.executionProviders, onnx, onWarning);
  let { dir, precision } = resolveModelVariant(engine.modelDir, choice.precision);
  if (precision === 'int8') ({ dir, precision } = await chooseInt8SafeBundle(dir, onnx.int8SaturatingKernel, onWarning));
  const served: PrecisionChoice =
    precision === choice.precision
      ? choice
      : { precision, reason: `${choice.reason}; ${precision} served (the int8 kernel guard fell back)` };
  const bundle = await loadModelBundle(dir, { precision });
  assertServable(bundle, engine.allowBenchmarkModel === true);
  const tokenizer = new BundleTokenizer(
    bundle,
    Math.min(engine.maxSequenceLength, bundle.maxPositionEmbeddings ?? Number.MAX_SAFE_INTEGER),
  );
  const pool = await InferencePool.start({
    threads: engine.inferenceThreads,
    inlineMaxTexts: engine.inferenceInlineMaxTexts,
    inlineIntraOpThreads: inlineThreadChoices(engine.inferenceInlineIntraOpThreads, engine.inferenceThreads * engine.intraOpThreads),
    expectedLabels: bundle.labels.length,
    onWarning,
    session: servedSessionRequest(bundle, engine),
  });
  const spec: PostprocessSpec = {
    labels: bundle.labels,
    problemType: bundle.problemType,
    thresholds: bundle.thresholds,
    // A quantized variant says so in every result's `model`.
    modelId: servedModelId(bundle.name, bundle.revision, precision),
  };
  return { bundle, tokenizer, spec, pool, precision: served };
}

/** The session every thread of the pool opens for `bundle` (the inline runner too, with intra-op threads of its own). */
export function servedSessionRequest(bundle: ModelBundle, engine: ServedEngineConfig): SessionRequest {
  return {
    modelPath: bundle.modelPath,
    modelSha256: bundle.modelSha256,
    providers: engine.executionProviders,
    graphOptimizationLevel: engine.graphOptimizationLevel,
    intraOpThreads: engine.intraOpThreads,
    cacheDir: engine.optimizedModelCacheDir,
  };
}
