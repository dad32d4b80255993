// The in-process engine: validate → tokenize → length-sorted, token-budgeted batches → thread
// pool → postprocess, with results in input order. The CLI runs it directly; the worker app
// runs it behind the queue.
import { AppError, checkText, type ClassificationResult, type ItemError, type TextPolicy } from '@emo/contracts';
import { loadModelBundle, resolveModelDir, type ModelBundle } from '@emo/model';
import { planLengthSortedBatches, type BatchLimits } from './batching/length-sorted-batches';
import { padBatch } from './batching/padded-batch';
import { scoresFromLogits, toResult, type PostprocessSpec } from './postprocess/score-postprocessor';
import type { GraphOptimizationLevel } from './session/ort-session-factory';
import { InferencePool } from './thread/inference-pool';
import { BundleTokenizer } from './tokenization/bundle-tokenizer';

export interface EngineOptions extends TextPolicy {
  readonly modelDir?: string;
  readonly executionProviders: readonly string[];
  readonly graphOptimizationLevel: GraphOptimizationLevel;
  readonly intraOpThreads: number;
  readonly inferenceThreads: number;
  readonly optimizedModelCacheDir?: string;
  readonly maxSequenceLength: number;
  readonly batchMaxTokens: number;
  readonly batchMaxSize: number;
  readonly includeScores: boolean;
  readonly onWarning?: (message: string) => void;
}

export type ItemOutcome = ClassificationResult | ItemError;

export interface EngineStats {
  texts: number;
  batches: number;
  paddedTokens: number;
  realTokens: number;
  inferMs: number;
}

/** Per-call options; priority and deadline are honoured by the scheduler (see libs/batching). */
export interface ClassifyOptions {
  readonly includeScores?: boolean;
  readonly limits?: BatchLimits;
  readonly priority?: 'interactive' | 'bulk';
  /** Absolute time (ms since epoch) after which an item fails with DEADLINE_EXCEEDED. */
  readonly deadlineAt?: number;
}

export function isItemError(outcome: ItemOutcome): outcome is ItemError {
  return 'error' in outcome;
}

export class InferenceEngine {
  readonly stats: EngineStats = { texts: 0, batches: 0, paddedTokens: 0, realTokens: 0, inferMs: 0 };

  private constructor(
    readonly bundle: ModelBundle,
    readonly tokenizer: BundleTokenizer,
    private readonly pool: InferencePool,
    private readonly options: EngineOptions,
    private readonly spec: PostprocessSpec,
  ) {}

  static async create(options: EngineOptions): Promise<InferenceEngine> {
    const bundle = await loadModelBundle(resolveModelDir(options.modelDir));
    const maxLength = Math.min(options.maxSequenceLength, bundle.maxPositionEmbeddings ?? Number.MAX_SAFE_INTEGER);
    const tokenizer = new BundleTokenizer(bundle, maxLength);
    const pool = await InferencePool.start({
      threads: options.inferenceThreads,
      expectedLabels: bundle.labels.length,
      onWarning: options.onWarning,
      session: {
        modelPath: bundle.modelPath,
        modelSha256: bundle.modelSha256,
        providers: options.executionProviders,
        graphOptimizationLevel: options.graphOptimizationLevel,
        intraOpThreads: options.intraOpThreads,
        cacheDir: options.optimizedModelCacheDir,
      },
    });
    const spec: PostprocessSpec = {
      labels: bundle.labels,
      problemType: bundle.problemType,
      thresholds: bundle.thresholds,
      modelId: `${bundle.name}@${bundle.revision}`,
    };
    return new InferenceEngine(bundle, tokenizer, pool, options, spec);
  }

  /** `<name>@<revision>` as it appears in every result. */
  get modelId(): string {
    return this.spec.modelId;
  }

  get provider(): string {
    return this.pool.provider;
  }

  get optimizedModelFromCache(): boolean {
    return this.pool.fromCache;
  }

  get limits(): BatchLimits {
    return { maxTokens: this.options.batchMaxTokens, maxSize: this.options.batchMaxSize };
  }

  /** Classifies texts; bad items get an ItemError in their place, the rest a result, in input order. */
  async classify(texts: readonly unknown[], opts: ClassifyOptions = {}): Promise<ItemOutcome[]> {
    const outcomes: ItemOutcome[] = new Array(texts.length);
    const valid: number[] = [];
    const encoded: Int32Array[] = [];
    const truncated: boolean[] = [];
    texts.forEach((value, i) => {
      try {
        const checked = checkText(value, this.options);
        const enc = this.tokenizer.encode(checked.text);
        valid.push(i);
        encoded.push(enc.ids);
        truncated.push(checked.truncated || enc.truncated);
      } catch (e) {
        const err = AppError.fromPlain(e);
        outcomes[i] = { error: { code: err.code, message: err.message } };
      }
    });
    const scores = await this.scoreEncoded(encoded, opts.limits);
    const includeScores = opts.includeScores ?? this.options.includeScores;
    valid.forEach((inputIndex, k) => {
      const result = toResult(scores[k], this.spec, includeScores);
      if (truncated[k]) result.truncated = true;
      outcomes[inputIndex] = result;
    });
    return outcomes;
  }

  /** Raw per-label scores (sigmoid/softmax) for token id sequences, in input order. */
  async scoreEncoded(encoded: readonly Int32Array[], limits: BatchLimits = this.limits): Promise<Float32Array[]> {
    const plan = planLengthSortedBatches(encoded.map((e) => e.length), limits);
    return this.runPlan(encoded, plan);
  }

  /** Runs a given batch plan (lists of indices into `encoded`); results in input order. */
  async runPlan(encoded: readonly Int32Array[], plan: readonly number[][]): Promise<Float32Array[]> {
    const scores: Float32Array[] = new Array(encoded.length);
    await Promise.all(
      plan.map(async (indices) => {
        const batch = padBatch(indices.map((i) => encoded[i]), this.tokenizer.padId);
        const out = await this.pool.run(batch);
        this.stats.batches++;
        this.stats.texts += indices.length;
        this.stats.paddedTokens += batch.batch * batch.seq;
        this.stats.realTokens += indices.reduce((n, i) => n + encoded[i].length, 0);
        this.stats.inferMs += out.inferMs;
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
