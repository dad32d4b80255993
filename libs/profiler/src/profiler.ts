// The Profiler: what apps and libs call to time stages and count work. Each observation goes
// to the prom-client collectors (Prometheus), to the process's recent window (bottleneck
// analysis) and, for traced jobs, to the span recorder. Disabled, every call is a no-op;
// PROFILER_SAMPLE_RATE thins stage timings while counters stay exact.
import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import { StageMetrics } from './stages/stage-metrics';
import type { ObserveOptions, Stage, StageLabels, StageTimer } from './stages/stages';
import type { TraceRecorder } from './tracing/trace-recorder';
import type { ProcessRole, ProfileSnapshot } from './window/profile-snapshot';
import { ProfileWindow, type BatchObservation } from './window/profile-window';

export interface ProfilerOptions {
  readonly enabled: boolean;
  /** Fraction of stage timings recorded, 0..1. */
  readonly sampleRate: number;
  readonly windowMs: number;
  readonly role: ProcessRole;
  readonly registry?: Registry;
  /** Default `model` label (`<name>@<revision>`); can be set later with setModel(). */
  readonly model?: string;
  readonly source?: string;
  /** `queue` label when a call gives none: the priority in the fleet (queues are named after it), e.g. `local` in the CLI. */
  readonly queue?: string;
  readonly tracer?: TraceRecorder;
  readonly random?: () => number;
  readonly now?: () => number;
}

/** What the engine's scheduler reports after each batch (libs/inference BatchReport). */
export interface ScheduledBatchReport {
  readonly texts: number;
  /** Tokens computed (Σ rows × longest over the batch's session runs). */
  readonly paddedTokens: number;
  /** Texts × longest, what batch budgets count (a batch split into length-sorted runs computes less); default paddedTokens. */
  readonly budgetCostTokens?: number;
  readonly realTokens: number;
  /** Dispatch to result, ms: what the batch's texts spent in inference. */
  readonly latencyMs: number;
  /** ORT run time inside the thread, ms: device busy time. */
  readonly inferMs: number;
  /** Mean wait of its texts from submit to dispatch, ms (absent: batch_wait not timed). */
  readonly waitMs?: number;
  readonly urgent: boolean;
}

/** The part of the Profiler the inference engine uses. */
export type EngineProfiler = Pick<Profiler, 'observe' | 'start' | 'span' | 'observeScheduledBatch'>;

export interface CountOptions {
  readonly labels?: StageLabels;
  readonly errors?: number;
}

const NOOP_END = () => undefined;

export class Profiler implements StageTimer {
  readonly registry: Registry;
  readonly source: string;
  readonly window: ProfileWindow;
  private readonly metrics?: StageMetrics;
  private readonly random: () => number;
  private readonly now: () => number;
  private model: string;

  constructor(private readonly options: ProfilerOptions) {
    this.registry = options.registry ?? new Registry();
    this.source = options.source ?? `${options.role}:${hostname()}:${process.pid}`;
    this.model = options.model ?? 'none';
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.window = new ProfileWindow({ windowMs: options.windowMs, now: options.now });
    if (options.enabled) this.metrics = StageMetrics.for(this.registry);
  }

  /** A profiler that records nothing (profiling off, or code paths without one). */
  static disabled(): Profiler {
    return new Profiler({ enabled: false, sampleRate: 0, windowMs: 60_000, role: 'cli' });
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  get modelId(): string {
    return this.model;
  }

  /** The served model (`<name>@<revision>`), once loaded: the window's covered time starts now. */
  setModel(model: string): void {
    this.model = model;
    this.window.markStart();
  }

  /** What the analysis needs to judge saturation: batch slots, the token budget cap, chunk slots. */
  setCapacity(capacity: { slots?: number; maxBudgetTokens?: number; concurrency?: number }): void {
    if (capacity.slots !== undefined) this.window.slots = capacity.slots;
    if (capacity.maxBudgetTokens !== undefined) this.window.maxBudgetTokens = capacity.maxBudgetTokens;
    if (capacity.concurrency !== undefined) this.window.concurrency = capacity.concurrency;
  }

  observe(stage: Stage, ms: number, options?: ObserveOptions): void {
    if (!this.metrics) return;
    if (options?.traceId) this.span(options.traceId, stage, ms, options.count ?? 1);
    if (this.options.sampleRate < 1 && this.random() >= this.options.sampleRate) return;
    const labels = options?.labels;
    const priority = labels?.priority ?? 'none';
    const queue = labels?.queue ?? this.options.queue ?? labels?.priority ?? 'none';
    this.metrics.observeStage(stage, labels?.model ?? this.model, queue, priority, ms / 1000);
    this.window.addStage(stage, ms, options?.count ?? 1);
  }

  start(stage: Stage, options?: ObserveOptions): (count?: number) => void {
    if (!this.metrics) return NOOP_END;
    const t0 = performance.now();
    return (count?: number) => this.observe(stage, performance.now() - t0, count === undefined ? options : { ...options, count });
  }

  time<T>(stage: Stage, fn: () => T, options?: ObserveOptions): T {
    if (!this.metrics) return fn();
    const end = this.start(stage, options);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      end();
      throw e;
    }
    if (result instanceof Promise) return result.finally(() => end()) as T;
    end();
    return result;
  }

  /** Keeps a span of a traced job only (no histogram): for timings already counted per batch. */
  span(traceId: string, stage: Stage, ms: number, count = 1): void {
    if (this.metrics && this.options.tracer)
      this.options.tracer.record(traceId, { stage, start: this.now() - ms, ms, count, source: this.source });
  }

  /** One batch of the engine's scheduler: batch_wait and inference per text, batch size/tokens/busy time. */
  observeScheduledBatch(r: ScheduledBatchReport, maxBudgetTokens?: number): void {
    if (!this.metrics) return;
    const labels = { priority: r.urgent ? 'interactive' : 'bulk' };
    if (r.waitMs !== undefined) this.observe('batch_wait', r.waitMs, { count: r.texts, labels });
    this.observe('inference', r.latencyMs, { count: r.texts, labels });
    this.observeBatch({
      texts: r.texts,
      paddedTokens: r.paddedTokens,
      budgetCostTokens: r.budgetCostTokens,
      realTokens: r.realTokens,
      inferMs: r.inferMs,
      maxBudgetTokens,
    });
  }

  /** Texts finished (throughput); `errors` of them ended in a per-item error. */
  countTexts(texts: number, options: CountOptions = {}): void {
    if (!this.metrics || texts <= 0) return;
    const errors = Math.min(texts, options.errors ?? 0);
    const priority = options.labels?.priority;
    const labels = {
      model: options.labels?.model ?? this.model,
      queue: options.labels?.queue ?? this.options.queue ?? priority ?? 'none',
      priority: priority ?? 'none',
    };
    if (texts - errors > 0) this.metrics.texts.inc({ ...labels, outcome: 'ok' }, texts - errors);
    if (errors > 0) this.metrics.texts.inc({ ...labels, outcome: 'error' }, errors);
    this.window.addTexts(texts, errors);
  }

  /** A queue chunk finished (drain rate of the queue). */
  countChunk(): void {
    if (this.metrics) this.window.addChunk();
  }

  /** Cache lookups of `lookups` texts, of which l1Hits + l2Hits were answered from the cache. */
  observeCache(lookups: number, l1Hits: number, l2Hits: number): void {
    if (this.metrics) this.window.addCache(lookups, l1Hits, l2Hits);
  }

  /** One inference batch: size, padded/real tokens, inference time, and the budget in force. */
  observeBatch(batch: BatchObservation & { readonly model?: string }): void {
    if (!this.metrics) return;
    const model = batch.model ?? this.model;
    this.metrics.batchSize.observe({ model }, batch.texts);
    this.metrics.paddedTokens.observe({ model }, batch.paddedTokens);
    this.metrics.tokens.inc({ model, kind: 'padded' }, batch.paddedTokens);
    this.metrics.tokens.inc({ model, kind: 'real' }, batch.realTokens);
    this.metrics.busySeconds.inc({ model }, batch.inferMs / 1000);
    this.window.addBatch(batch);
  }

  /** Periodic samples: CPU/GPU utilization (0..1), GPU memory used share, chunks in flight, backlog. */
  sample(values: { cpu?: number; gpu?: number; gpuMemoryUsedRatio?: number; activeChunks?: number; backlog?: number }): void {
    if (this.metrics) this.window.sample(values);
  }

  snapshot(): ProfileSnapshot {
    return this.window.snapshot({ source: this.source, role: this.options.role, model: this.model === 'none' ? undefined : this.model });
  }
}
