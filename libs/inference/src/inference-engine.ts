// The in-process engine: validate → tokenize → the shared batch scheduler (token budgets,
// priorities, deadlines, adaptive size: libs/batching) → thread pool → postprocess, with
// results in input order. Concurrent classify() calls share batches. The CLI runs it directly;
// the worker app runs it behind the queue.
import { AppError, checkText, type ClassifyOptions, type ClassifyOutcome, type Priority, type TextPolicy } from '@emo/contracts';
import type { BatchParamsStore, MemoryProbe } from '@emo/batching';
import { loadModelBundle, resolveModelDir, type ModelBundle } from '@emo/model';
import type { EngineProfiler } from '@emo/profiler';
import { planLengthSortedBatches, type BatchLimits } from './batching/length-sorted-batches';
import { padBatch } from './batching/padded-batch';
import { scoresFromLogits, toResult, type PostprocessSpec } from './postprocess/score-postprocessor';
import { createBatchScheduler, type BatchPolicyOptions } from './scheduling/batch-scheduler-factory';
import type { ContinuousBatchScheduler, OutputRow } from './scheduling/continuous-batch-scheduler';
import { chooseInt8SafeBundle, type Int8SaturatingKernelPolicy } from './session/int8-kernel-guard';
import type { GraphOptimizationLevel } from './session/ort-session-factory';
import { InferencePool } from './thread/inference-pool';
import { BundleTokenizer } from './tokenization/bundle-tokenizer';

export interface EngineOptions extends TextPolicy {
  readonly modelDir?: string;
  /** Serve this variant of the model (resolved beside MODEL_DIR; see resolveModelDir). Default fp32. */
  readonly precision?: 'fp32' | 'int8' | 'fp16';
  readonly executionProviders: readonly string[];
  readonly graphOptimizationLevel: GraphOptimizationLevel;
  readonly intraOpThreads: number;
  readonly inferenceThreads: number;
  readonly optimizedModelCacheDir?: string;
  readonly maxSequenceLength: number;
  readonly batchMaxTokens: number;
  readonly batchMaxSize: number;
  readonly includeScores: boolean;
  /** The dynamic batch optimizer; absent fields take the documented config defaults. */
  readonly batchPolicy?: Partial<BatchPolicyOptions>;
  /** Where learned batching parameters live per model + device (Redis in the fleet), so new workers start warm. */
  readonly batchParamsStore?: BatchParamsStore;
  /** Free device memory (GPU: nvidia-smi reader); default on CPU: the RSS budget of batchPolicy.memoryBudgetMb. */
  readonly memoryProbe?: MemoryProbe;
  /** Names the device in the learned-parameters key (e.g. the GPU model); default: the provider and host CPU. */
  readonly deviceName?: string;
  /** Stage timers (tokenization, batch_wait, inference, postprocess) and batch histograms: libs/profiler. */
  readonly profiler?: EngineProfiler;
  /** PRECISION=int8 with a full-range variant on a CPU whose int8 kernel saturates (no VNNI): see int8-kernel-guard. Default fallback. */
  readonly int8SaturatingKernel?: Int8SaturatingKernelPolicy;
  readonly onWarning?: (message: string) => void;
}

export interface EngineStats {
  texts: number;
  batches: number;
  paddedTokens: number;
  realTokens: number;
  inferMs: number;
}

/** The contract's options, plus fixed batch limits for benchmarks and parity checks. */
export interface EngineClassifyOptions extends ClassifyOptions {
  /** Fixed limits for this call's own batches, bypassing the shared scheduler (benchmarks, parity checks). */
  readonly limits?: BatchLimits;
}

const TOKENIZE_SLICE = 32;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class InferenceEngine {
  private constructor(
    readonly bundle: ModelBundle,
    readonly tokenizer: BundleTokenizer,
    private readonly pool: InferencePool,
    private readonly options: EngineOptions,
    private readonly spec: PostprocessSpec,
    /** The one owner of pending texts; public for metrics and benchmarks (budgets, p95, pending). */
    readonly scheduler: ContinuousBatchScheduler,
    /** Totals over every batch run, scheduled or planned. */
    readonly stats: EngineStats,
  ) {}

  static async create(options: EngineOptions): Promise<InferenceEngine> {
    let dir = resolveModelDir(options.modelDir, options.precision);
    if (options.precision === 'int8') dir = (await chooseInt8SafeBundle(dir, options.int8SaturatingKernel ?? 'fallback', options.onWarning ?? (() => undefined))).dir;
    const bundle = await loadModelBundle(dir);
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
    const stats: EngineStats = { texts: 0, batches: 0, paddedTokens: 0, realTokens: 0, inferMs: 0 };
    const scheduler = await createBatchScheduler({
      pool,
      padId: tokenizer.padId,
      modelId: spec.modelId,
      options,
      onBatch: (r) => {
        stats.batches++;
        stats.texts += r.texts;
        stats.paddedTokens += r.paddedTokens;
        stats.realTokens += r.realTokens;
        stats.inferMs += r.inferMs;
        options.profiler?.observeScheduledBatch(r, options.batchMaxTokens);
      },
    });
    return new InferenceEngine(bundle, tokenizer, pool, options, spec, scheduler, stats);
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
  async classify(texts: readonly unknown[], opts: EngineClassifyOptions = {}): Promise<ClassifyOutcome[]> {
    const outcomes: ClassifyOutcome[] = new Array(texts.length);
    const valid: number[] = [];
    const encoded: Int32Array[] = [];
    const truncated: boolean[] = [];
    const profiler = this.options.profiler;
    let tokenizeMs = 0;
    for (let i = 0; i < texts.length; i++) {
      // Tokenizing a big window blocks the event loop for milliseconds: yield now and then so
      // finished batches are collected and interactive texts dispatched in between.
      if (i > 0 && i % TOKENIZE_SLICE === 0) await yieldToEventLoop();
      const started = performance.now();
      try {
        const checked = checkText(texts[i], this.options);
        const enc = this.tokenizer.encode(checked.text);
        tokenizeMs += performance.now() - started;
        valid.push(i);
        encoded.push(enc.ids);
        truncated.push(checked.truncated || enc.truncated);
      } catch (e) {
        const err = AppError.fromPlain(e);
        outcomes[i] = { error: { code: err.code, message: err.message } };
      }
    }
    profiler?.observe('tokenization', tokenizeMs, { count: valid.length, labels: { priority: opts.priority }, traceId: opts.traceId });
    const scheduledAt = performance.now();
    const scores = opts.limits
      ? await this.scoreEncoded(encoded, opts.limits)
      : await this.scoreScheduled(encoded, { priority: opts.priority, deadlineAt: opts.deadlineAt });
    if (opts.traceId) profiler?.span(opts.traceId, 'inference', performance.now() - scheduledAt, valid.length);
    const includeScores = opts.includeScores ?? this.options.includeScores;
    let postprocessMs = 0;
    for (let k = 0; k < valid.length; k++) {
      // Same as tokenizing: a big window's results are built in slices, yielding in between.
      if (k > 0 && k % TOKENIZE_SLICE === 0) await yieldToEventLoop();
      const started = performance.now();
      const inputIndex = valid[k];
      const score = scores[k];
      if (score instanceof AppError) {
        outcomes[inputIndex] = { error: { code: score.code, message: score.message } };
      } else {
        const result = toResult(score, this.spec, includeScores);
        if (truncated[k]) result.truncated = true;
        outcomes[inputIndex] = result;
      }
      postprocessMs += performance.now() - started;
    }
    profiler?.observe('postprocess', postprocessMs, { count: valid.length, labels: { priority: opts.priority }, traceId: opts.traceId });
    return outcomes;
  }

  /**
   * Raw per-label scores (sigmoid/softmax) for token id sequences, in input order. With `limits`
   * this call's texts are planned alone with those limits; without, they go through the shared
   * scheduler as bulk.
   */
  async scoreEncoded(encoded: readonly Int32Array[], limits?: BatchLimits): Promise<Float32Array[]> {
    if (limits) return this.runPlan(encoded, planLengthSortedBatches(encoded.map((e) => e.length), limits));
    const scores = await this.scoreScheduled(encoded, {});
    return scores.map((s) => {
      if (s instanceof AppError) throw s;
      return s;
    });
  }

  /** Through the shared scheduler: scores, or the text's own error (DEADLINE_EXCEEDED, OUT_OF_MEMORY), in input order. */
  private async scoreScheduled(encoded: readonly Int32Array[], opts: { priority?: Priority; deadlineAt?: number }): Promise<(Float32Array | AppError)[]> {
    const rows = await this.scheduler.submit(encoded, opts);
    return rows.map((r: OutputRow | AppError) => (r instanceof AppError ? r : scoresFromLogits(r.out.logits, r.row, r.out.numLabels, this.bundle.problemType)));
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
    this.scheduler.close();
    await this.pool.close();
  }
}
