// Runs batch plans made by the caller straight on an inference pool: no scheduler, no adaptive
// budgets, no sharing between calls. Not part of the engine (the engine has one batching path,
// its scheduler): this is the loop a user would write by hand over the same model, sessions and
// threads, which the benchmarks compare the engine against.
import type { ModelBundle } from '@emo/model';
import { padBatch } from '../batching/padded-batch';
import { scoresFromLogits, type PostprocessSpec } from '../postprocess/score-postprocessor';
import { startServedModel, type ServedModelConfig } from '../served-model';
import type { BundleTokenizer } from '../tokenization/bundle-tokenizer';
import type { InferencePool } from './inference-pool';

export class FixedPlanRunner {
  private constructor(
    readonly bundle: ModelBundle,
    readonly tokenizer: BundleTokenizer,
    /** What toResult needs to turn scores into a result. */
    readonly spec: PostprocessSpec,
    private readonly pool: InferencePool,
  ) {}

  /** The model as the engine would serve it with the same config (`engine.inferenceThreads` threads). */
  static async start(config: ServedModelConfig, onWarning?: (message: string) => void): Promise<FixedPlanRunner> {
    const { bundle, tokenizer, spec, pool } = await startServedModel(config, onWarning);
    return new FixedPlanRunner(bundle, tokenizer, spec, pool);
  }

  get modelId(): string {
    return this.spec.modelId;
  }

  /**
   * Scores (sigmoid/softmax) of token id sequences, batched as `plan` says (lists of indices into
   * `encoded`), every batch handed to the pool at once; in input order.
   */
  async score(encoded: readonly Int32Array[], plan: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const scores: Float32Array[] = new Array(encoded.length);
    await Promise.all(
      plan.map(async (indices) => {
        const out = await this.pool.run(
          padBatch(
            indices.map((i) => encoded[i]),
            this.tokenizer.padId,
          ),
        );
        indices.forEach((inputIndex, row) => {
          scores[inputIndex] = scoresFromLogits(out.logits, row, out.numLabels, this.bundle.problemType);
        });
      }),
    );
    return scores;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
