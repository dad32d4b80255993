// The in-process engine: validate → tokenize → the shared batch scheduler (token budgets,
// priorities, deadlines, adaptive size: libs/batching) → thread pool → postprocess, with
// results in input order. Concurrent classify() calls share batches; the scheduler is the one
// way texts reach the pool. The CLI runs it directly; the worker app runs it behind the queue.
import { AppError, checkText, viewResult, type ClassifyOptions, type ClassifyOutcome, type Classifier } from '@emo/contracts';
import type { BatchParamsStore, MemoryProbe } from '@emo/batching';
import type { BatchingConfig, OnnxConfig, Precision } from '@emo/config';
import type { ModelBundle } from '@emo/model';
import type { EngineProfiler } from '@emo/profiler';
import { scoresFromLogits, toResult, type PostprocessSpec } from './postprocess/score-postprocessor';
import { createBatchScheduler } from './scheduling/batch-scheduler-factory';
import { CpuSlicer } from './scheduling/cpu-slicer';
import type { ContinuousBatchScheduler } from './scheduling/continuous-batch-scheduler';
import { startServedModel, type ServedEngineConfig } from './served-model';
import type { PrecisionChoice } from './session/precision-choice';
import type { InferencePool } from './thread/inference-pool';
import type { BundleTokenizer } from './tokenization/bundle-tokenizer';

/**
 * The config sections the engine is built from: pass the AppConfig, or sections changed for one
 * engine (`{ ...config, engine: { ...config.engine, inferenceThreads: 1 } }`).
 */
export interface EngineConfigSections {
  readonly engine: ServedEngineConfig;
  readonly batching: BatchingConfig;
  readonly onnx: OnnxConfig;
}

/** What the engine is given rather than configured with. */
export interface EngineDeps {
  /** Where learned batching parameters live per model + device (Redis in the fleet), so new workers start warm. */
  readonly batchParamsStore?: BatchParamsStore;
  /** Free device memory (GPU: nvidia-smi reader); default on CPU: the RSS budget of BATCH_MEMORY_BUDGET_MB. */
  readonly memoryProbe?: MemoryProbe;
  /** Names the device in the learned-parameters key (e.g. the GPU model); default: the provider and host CPU. */
  readonly deviceName?: string;
  /** Stage timers (tokenization, batch_wait, inference, postprocess) and batch histograms: libs/profiler. */
  readonly profiler?: EngineProfiler;
  readonly onWarning?: (message: string) => void;
}

export interface EngineStats {
  texts: number;
  batches: number;
  /** Session runs (a batch split by length is several). */
  runs: number;
  paddedTokens: number;
  realTokens: number;
  inferMs: number;
}

/** Texts of one call tokenized and handed to the batcher together (a bigger call goes in pieces of this many). */
export const PIECE_TEXTS = 512;

export class InferenceEngine implements Classifier {
  /** Tokenizing and result building of every call, a few milliseconds per event-loop turn, interactive first. */
  private readonly slicer = new CpuSlicer();

  private constructor(
    readonly bundle: ModelBundle,
    readonly tokenizer: BundleTokenizer,
    private readonly pool: InferencePool,
    private readonly config: EngineConfigSections,
    private readonly spec: PostprocessSpec,
    private readonly profiler: EngineProfiler | undefined,
    /** The one owner of pending texts; public for metrics and benchmarks (budgets, p95, pending). */
    readonly scheduler: ContinuousBatchScheduler,
    /** Totals over every batch run (counted where batches finish: the scheduler's onBatch). */
    readonly stats: EngineStats,
    /** The precision served (PRECISION, or what `auto` chose) and why: part of the cache key. */
    readonly precisionChoice: PrecisionChoice,
  ) {}

  /** The precision served: fp32, int8 or fp16 (never `auto`). */
  get precision(): Precision {
    return this.precisionChoice.precision;
  }

  /** Also applies the precision/device rules (INT8_ON_CUDA, FP16_ON_CPU): warns or refuses. */
  static async create(config: EngineConfigSections, deps: EngineDeps = {}): Promise<InferenceEngine> {
    const { bundle, tokenizer, spec, pool, precision } = await startServedModel(config, deps.onWarning);
    const stats: EngineStats = { texts: 0, batches: 0, runs: 0, paddedTokens: 0, realTokens: 0, inferMs: 0 };
    const scheduler = await createBatchScheduler(config.batching, {
      pool,
      padId: tokenizer.padId,
      modelId: spec.modelId,
      batchParamsStore: deps.batchParamsStore,
      memoryProbe: deps.memoryProbe,
      deviceName: deps.deviceName,
      onWarning: deps.onWarning,
      onBatch: (r) => {
        stats.batches++;
        stats.runs += r.runs;
        stats.texts += r.texts;
        stats.paddedTokens += r.paddedTokens;
        stats.realTokens += r.realTokens;
        stats.inferMs += r.inferMs;
        deps.profiler?.observeScheduledBatch(r, config.batching.batchMaxTokens);
      },
    });
    return new InferenceEngine(bundle, tokenizer, pool, config, spec, deps.profiler, scheduler, stats, precision);
  }

  /** `<name>@<revision>` as it appears in every result. */
  get modelId(): string {
    return this.spec.modelId;
  }

  get provider(): string {
    return this.pool.provider;
  }

  /** Providers of EXECUTION_PROVIDERS that failed to load before `provider`, each with its reason. */
  get providerFailures(): readonly string[] {
    return this.pool.providerFailures;
  }

  /** Intra-op threads of the inline session for lone texts (measured at start when auto); none when nothing runs inline. */
  get inlineIntraOpThreads(): number | undefined {
    return this.pool.inlineIntraOpThreads;
  }

  /** Nothing waits in the scheduler or runs (it is the pool's one caller): a batch now would find every thread free. */
  get idle(): boolean {
    return this.scheduler.pending === 0 && this.scheduler.running === 0;
  }

  get optimizedModelFromCache(): boolean {
    return this.pool.fromCache;
  }

  /** Classifies texts; bad items get an ItemError in their place, the rest a result, in input order. */
  async classify(texts: readonly unknown[], opts: ClassifyOptions = {}): Promise<ClassifyOutcome[]> {
    const outcomes: ClassifyOutcome[] = new Array(texts.length);
    // A big call goes in pieces, each tokenized, handed to the batcher and built on its own: inference
    // starts once the first piece is tokenized, not the last text (the slicer takes equal bulk pieces
    // one after another, ADR 023). A chunk of the worker (JOB_CHUNK_SIZE) is one piece.
    if (texts.length <= PIECE_TEXTS) await this.classifyPiece(texts, 0, texts.length, opts, outcomes);
    else {
      const pieces: Promise<void>[] = [];
      for (let start = 0; start < texts.length; start += PIECE_TEXTS)
        pieces.push(this.classifyPiece(texts, start, Math.min(texts.length, start + PIECE_TEXTS), opts, outcomes));
      await Promise.all(pieces);
    }
    return outcomes;
  }

  /** Classifies texts[start, end) into the same positions of `outcomes`. */
  private async classifyPiece(
    texts: readonly unknown[],
    start: number,
    end: number,
    opts: ClassifyOptions,
    outcomes: ClassifyOutcome[],
  ): Promise<void> {
    const valid: number[] = [];
    const encoded: Int32Array[] = [];
    const truncated: boolean[] = [];
    const profiler = this.profiler;
    let tokenizeMs = 0;
    const slice = opts.priority === 'interactive' ? 'interactive' : 'bulk';
    // Tokenizing blocks the event loop: every call's texts go through the engine's one CpuSlicer, so
    // one event-loop turn tokenizes a few milliseconds' worth whatever the number of calls in flight.
    await this.slicer.run(
      end - start,
      (k) => {
        const i = start + k;
        const started = performance.now();
        try {
          const checked = checkText(texts[i], this.config.engine);
          const enc = this.tokenizer.encode(checked.text);
          tokenizeMs += performance.now() - started;
          valid.push(i);
          encoded.push(enc.ids);
          truncated.push(checked.truncated || enc.truncated);
        } catch (e) {
          const err = AppError.fromPlain(e);
          outcomes[i] = { error: { code: err.code, message: err.message } };
        }
      },
      slice,
    );
    profiler?.observe('tokenization', tokenizeMs, { count: valid.length, labels: { priority: opts.priority }, traceId: opts.traceId });
    const scheduledAt = performance.now();
    // Each text's scores, or its own error (DEADLINE_EXCEEDED, OUT_OF_MEMORY), in input order.
    const rows = await this.scheduler.submit(encoded, { priority: opts.priority, deadlineAt: opts.deadlineAt, share: opts.share });
    const scores = rows.map((r) =>
      r instanceof AppError ? r : scoresFromLogits(r.out.logits, r.row, r.out.numLabels, this.bundle.problemType),
    );
    if (opts.traceId) profiler?.span(opts.traceId, 'inference', performance.now() - scheduledAt, valid.length);
    const includeScores = opts.includeScores ?? this.config.engine.includeScores;
    // A coarse view (ekman, sentiment) is derived from the fine result with every score.
    const taxonomy = opts.taxonomy ?? 'goemotions';
    const fineScores = includeScores || taxonomy !== 'goemotions';
    // The scores as the array they already are, for a caller that asked (the result cache): fine labels only.
    const asArray = opts.scoreArray === true && includeScores && taxonomy === 'goemotions';
    let postprocessMs = 0;
    // Same as tokenizing: results are built through the slicer.
    await this.slicer.run(
      valid.length,
      (k) => {
        const started = performance.now();
        const inputIndex = valid[k];
        const score = scores[k];
        if (score instanceof AppError) {
          outcomes[inputIndex] = { error: { code: score.code, message: score.message } };
        } else {
          const result = toResult(score, this.spec, fineScores && !asArray);
          if (truncated[k]) result.truncated = true;
          if (asArray) result.scoreArray = score;
          outcomes[inputIndex] = asArray ? result : viewResult(result, taxonomy, includeScores);
        }
        postprocessMs += performance.now() - started;
      },
      slice,
    );
    profiler?.observe('postprocess', postprocessMs, { count: valid.length, labels: { priority: opts.priority }, traceId: opts.traceId });
  }

  async close(): Promise<void> {
    this.scheduler.close();
    await this.pool.close();
  }
}
