// prom-client collectors of the profiler, registered once per registry: stage latency, texts
// (throughput), batch size and padded tokens, inference busy time. Label children are cached so
// a hot-path observation is one map lookup and one bucket increment.
import { Counter, Histogram, type Registry } from 'prom-client';
import { StageHistogram } from './stage-histogram';
import type { Stage } from './stages';

const STAGE_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];
const TOKEN_BUCKETS = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16_384, 32_768, 65_536, 131_072, 262_144];

/** Every metric name the profiler exports (the dashboard/alert test checks against the registry). */
export const PROFILER_METRIC_NAMES = [
  'emo_stage_duration_seconds',
  'emo_texts_processed_total',
  'emo_batch_size_texts',
  'emo_batch_padded_tokens',
  'emo_batch_tokens_total',
  'emo_inference_busy_seconds_total',
] as const;

export class StageMetrics {
  private static readonly byRegistry = new WeakMap<Registry, StageMetrics>();
  readonly stageSeconds: StageHistogram;
  readonly texts: Counter<'model' | 'queue' | 'priority' | 'outcome'>;
  readonly batchSize: Histogram<'model'>;
  readonly paddedTokens: Histogram<'model'>;
  readonly tokens: Counter<'model' | 'kind'>;
  readonly busySeconds: Counter<'model'>;

  /** One set of collectors per registry, shared by every Profiler that reports into it. */
  static for(registry: Registry): StageMetrics {
    let m = StageMetrics.byRegistry.get(registry);
    if (!m) StageMetrics.byRegistry.set(registry, (m = new StageMetrics(registry)));
    return m;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    this.stageSeconds = new StageHistogram(
      'emo_stage_duration_seconds',
      'Time spent in each stage of a text (validation, enqueue, queue_wait, l1, l2, tokenization, batch_wait, inference, postprocess, result_write), per timed operation',
      ['stage', 'model', 'queue', 'priority'],
      STAGE_BUCKETS_S,
      registry,
    );
    this.texts = new Counter({
      name: 'emo_texts_processed_total',
      help: 'Texts finished (throughput), by outcome ok|error',
      labelNames: ['model', 'queue', 'priority', 'outcome'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'emo_batch_size_texts',
      help: 'Texts per inference batch',
      labelNames: ['model'],
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    });
    this.paddedTokens = new Histogram({
      name: 'emo_batch_padded_tokens',
      help: 'Padded tokens (texts x longest) per inference batch',
      labelNames: ['model'],
      buckets: TOKEN_BUCKETS,
      registers,
    });
    this.tokens = new Counter({
      name: 'emo_batch_tokens_total',
      help: 'Tokens sent to inference, kind padded|real (real/padded = padding efficiency)',
      labelNames: ['model', 'kind'],
      registers,
    });
    this.busySeconds = new Counter({
      name: 'emo_inference_busy_seconds_total',
      help: 'Inference time summed over batches (device busy time)',
      labelNames: ['model'],
      registers,
    });
  }

  observeStage(stage: Stage, model: string, queue: string, priority: string, seconds: number): void {
    this.stageSeconds.observe(stage, model, queue, priority, seconds);
  }
}
