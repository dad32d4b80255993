// A BENCHMARK TOOL, not an engine: INFERENCE_BACKEND=stub makes a worker answer every chunk after a
// fixed cost (STUB_BATCH_MS per classify call + STUB_TEXT_MS per text), with no model run, so
// `emo bench control-plane` measures what the API, BullMQ, Redis, the result cache and the result
// path cost per text while inference costs a known, chosen amount. Results are well formed: the
// bundle's own labels, thresholds and postprocess, scores derived from a hash of the text (stable,
// meaningless). The model id and the cache key carry `stub-`, so stub answers never mix with a
// real model's cache entries. Refused (MODEL_BENCHMARK_ONLY) unless ALLOW_BENCHMARK_MODEL=true.
//
// The cost is a sleep, not a busy loop: a GPU worker's host CPU mostly waits while the device runs
// a batch, and on a shared few-core machine a busy loop would take the very CPU the control plane
// (API, Redis, the worker's queue code) is being measured on. One batch runs at a time per worker
// (calls queue behind each other, like batches on one device), so a worker's ceiling is explicit:
// texts / (STUB_BATCH_MS + texts × STUB_TEXT_MS) per call.
import {
  AppError,
  checkText,
  servedModelId,
  viewResult,
  type ClassifyOptions,
  type ClassifyOutcome,
  type Classifier,
} from '@emo/contracts';
import type { EngineConfig } from '@emo/config';
import { assertServable, loadModelBundle, resolveModelVariant, type ModelBundle } from '@emo/model';
import { scoresFromLogits, toResult, type PostprocessSpec } from '../postprocess/score-postprocessor';
import type { PrecisionChoice } from '../session/precision-choice';

export interface StubEngineConfig {
  readonly engine: Pick<
    EngineConfig,
    | 'modelDir'
    | 'allowBenchmarkModel'
    | 'maxSequenceLength'
    | 'maxTextChars'
    | 'longTextPolicy'
    | 'includeScores'
    | 'stubBatchMs'
    | 'stubTextMs'
  >;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class StubEngine implements Classifier {
  readonly provider = 'stub';
  readonly providerFailures: readonly string[] = [];
  readonly precisionChoice: PrecisionChoice = { precision: 'fp32', reason: 'INFERENCE_BACKEND=stub (no model runs)' };
  readonly precision = 'fp32' as const;
  /** What the cache key reads (modelIdentityOf): the bundle's labels under a `stub-` name. */
  readonly bundle: Pick<ModelBundle, 'name' | 'revision' | 'thresholdsVersion' | 'labels'>;
  readonly tokenizer: { readonly maxLength: number };
  /** Totals, for the benchmark and the spec. */
  readonly stats = { calls: 0, texts: 0 };
  private readonly spec: PostprocessSpec;
  private device: Promise<void> = Promise.resolve();

  private constructor(
    real: ModelBundle,
    private readonly config: StubEngineConfig,
  ) {
    this.bundle = { name: `stub-${real.name}`, revision: real.revision, thresholdsVersion: real.thresholdsVersion, labels: real.labels };
    this.tokenizer = { maxLength: config.engine.maxSequenceLength };
    this.spec = {
      labels: real.labels,
      problemType: real.problemType,
      thresholds: real.thresholds,
      modelId: servedModelId(this.bundle.name, real.revision),
    };
  }

  static async create(config: StubEngineConfig, onWarning: (message: string) => void = () => undefined): Promise<StubEngine> {
    if (!config.engine.allowBenchmarkModel)
      throw new AppError(
        'MODEL_BENCHMARK_ONLY',
        'INFERENCE_BACKEND=stub answers made-up labels after a fixed delay (a benchmark tool for `emo bench control-plane`); ' +
          'set ALLOW_BENCHMARK_MODEL=true to run it, or INFERENCE_BACKEND=onnx to serve the model',
      );
    const bundle = await loadModelBundle(resolveModelVariant(config.engine.modelDir, 'fp32').dir);
    assertServable(bundle, true);
    onWarning(
      `INFERENCE_BACKEND=stub: no model runs; every text gets made-up labels after ${config.engine.stubBatchMs} ms per call + ` +
        `${config.engine.stubTextMs} ms per text (a benchmark tool, never a deployment)`,
    );
    return new StubEngine(bundle, config);
  }

  get modelId(): string {
    return this.spec.modelId;
  }

  async classify(texts: readonly unknown[], opts: ClassifyOptions = {}): Promise<ClassifyOutcome[]> {
    const outcomes: ClassifyOutcome[] = new Array(texts.length);
    const valid: { index: number; text: string; truncated: boolean }[] = [];
    texts.forEach((value, index) => {
      try {
        const checked = checkText(value, this.config.engine);
        valid.push({ index, text: checked.text, truncated: checked.truncated });
      } catch (e) {
        const err = AppError.fromPlain(e);
        outcomes[index] = { error: { code: err.code, message: err.message } };
      }
    });
    if (valid.length > 0) await this.runBatch(valid.length);
    const includeScores = opts.includeScores ?? this.config.engine.includeScores;
    const taxonomy = opts.taxonomy ?? 'goemotions';
    const n = this.spec.labels.length;
    for (const item of valid) {
      const scores = scoresFromLogits(pseudoLogits(item.text, n), 0, n, this.spec.problemType);
      const result = toResult(scores, this.spec, includeScores || taxonomy !== 'goemotions');
      if (item.truncated) result.truncated = true;
      outcomes[item.index] = viewResult(result, taxonomy, includeScores);
    }
    this.stats.calls++;
    this.stats.texts += valid.length;
    return outcomes;
  }

  async close(): Promise<void> {
    await this.device;
  }

  /** One batch on the one "device": waits for the batches before it, then sleeps its cost. */
  private runBatch(texts: number): Promise<void> {
    const cost = this.config.engine.stubBatchMs + texts * this.config.engine.stubTextMs;
    const run = this.device.then(() => sleep(cost));
    this.device = run;
    return run;
  }
}

/** Logits in [-4, 4) from an FNV-1a hash of the text: the same text always gets the same labels. */
export function pseudoLogits(text: string, labels: number): Float32Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  const out = new Float32Array(labels);
  for (let j = 0; j < labels; j++) {
    h = Math.imul(h ^ j, 0x01000193) >>> 0;
    out[j] = (h / 2 ** 32) * 8 - 4;
  }
  return out;
}
