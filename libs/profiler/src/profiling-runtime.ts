// Assembles the profiler of one process from its config section and what the process runs: the
// Profiler, the process CPU collector, the nvidia-smi monitor, per-job tracing and the publisher
// that puts this process's window into the shared store every PROFILER_PUBLISH_INTERVAL_MS. Apps
// start one and close it on exit.
import type { ProfilerConfig } from '@emo/config';
import type { MemoryProbe } from '@emo/batching';
import { analyzeProfile } from './analysis/bottleneck-analyzer';
import type { ProfileReport } from './analysis/profile-report';
import { GpuMonitor, summarizeGpus } from './gpu/gpu-monitor';
import { NvidiaSmiReader } from './gpu/nvidia-smi-reader';
import { Profiler } from './profiler';
import type { CacheCounters, ChunkDone, FleetProfilingDeps, ProfilingDeps } from './profiling-deps';
import { ProcessMetricsCollector } from './system/process-metrics.collector';
import type { SpanRecord, TraceStore } from './tracing/span-record';
import { TraceRecorder } from './tracing/trace-recorder';

export class ProfilingRuntime {
  readonly profiler: Profiler;
  readonly gpu: GpuMonitor;
  private readonly cpu?: ProcessMetricsCollector;
  private readonly tracer?: TraceRecorder;
  private timer?: NodeJS.Timeout;
  private publishing?: Promise<void>;
  /** Set while publishing fails: the failure is logged once, and the recovery once. */
  private publishFailingSince?: number;
  private fleet: FleetProfilingDeps;
  private cacheSeen = { lookups: 0, l1: 0, l2: 0 };

  private constructor(
    private readonly config: ProfilerConfig,
    private readonly deps: ProfilingDeps,
  ) {
    const enabled = config.profilerEnabled;
    this.fleet = deps;
    if (enabled && config.tracingEnabled) {
      // Spans go to whichever trace store is connected (buffered until then, bounded).
      const traces: TraceStore = {
        appendSpans: (id, spans, ttl) => (this.fleet.traces ? this.fleet.traces.appendSpans(id, spans, ttl) : Promise.resolve()),
        spans: (id) => (this.fleet.traces ? this.fleet.traces.spans(id) : Promise.resolve([])),
      };
      this.tracer = new TraceRecorder({
        store: traces,
        retentionSeconds: config.traceRetentionSeconds,
        onError: (e) => deps.logger?.warn({ err: e }, 'trace spans could not be stored'),
      });
    }
    this.profiler = new Profiler({
      enabled,
      sampleRate: config.profilerSampleRate,
      windowMs: config.profilerWindowSeconds * 1000,
      role: deps.role,
      registry: deps.registry,
      source: deps.source,
      queue: deps.role === 'cli' ? 'local' : undefined,
      tracer: this.tracer,
      now: deps.now,
    });
    // The slots the engine really runs (the caller's count), never config's INFERENCE_THREADS.
    if (deps.role !== 'api')
      this.profiler.setCapacity({
        slots: deps.capacity.inferenceSlots,
        maxBudgetTokens: deps.capacity.maxBudgetTokens,
        concurrency: deps.capacity.chunkSlots ?? 0,
      });
    if (enabled) this.cpu = new ProcessMetricsCollector(this.profiler.registry);
    this.gpu = new GpuMonitor({
      reader: deps.reader ?? new NvidiaSmiReader(config.nvidiaSmiPath),
      intervalMs: config.gpuPollIntervalMs,
      registry: enabled ? this.profiler.registry : undefined,
      onError: (m) => deps.logger?.warn(m),
    });
  }

  static async start(config: ProfilerConfig, deps: ProfilingDeps): Promise<ProfilingRuntime> {
    const runtime = new ProfilingRuntime(config, deps);
    if (config.profilerEnabled && config.gpuPollIntervalMs > 0) {
      await runtime.gpu.start();
      if (runtime.gpu.status === 'absent') deps.logger?.debug('no nvidia-smi: reporting CPU metrics only');
    }
    if (deps.store) runtime.connect(deps);
    return runtime;
  }

  /** Connects the fleet's store, backlog and cache counters (once its Redis client exists) and starts publishing. */
  connect(fleet: FleetProfilingDeps): void {
    this.fleet = { ...this.fleet, ...fleet };
    if (this.config.profilerEnabled && this.fleet.store && !this.timer) {
      this.timer = setInterval(() => void this.publishNow(), this.config.profilerPublishIntervalMs).unref();
    }
  }

  /** Engine options that profile it: the stage timers, and the GPU memory probe when nvidia-smi sees a GPU. */
  engineOptions(): { profiler?: Profiler; memoryProbe?: MemoryProbe } {
    if (!this.config.profilerEnabled) return {};
    return { profiler: this.profiler, ...(this.gpu.gpus.length > 0 ? { memoryProbe: this.memoryProbe(this.gpu.gpus[0].index) } : {}) };
  }

  /** A finished queue chunk: throughput, errors and the queue's drain rate. */
  observeChunk(event: ChunkDone): void {
    const failed = event.outcome === 'error' || event.outcome === 'failed' ? event.texts : 0;
    this.profiler.countTexts(event.texts, { labels: { priority: event.queue }, errors: failed });
    this.profiler.countChunk();
  }

  /** The scheduler's free-memory probe for one GPU (undefined free bytes without nvidia-smi). */
  memoryProbe(gpuIndex = 0): MemoryProbe {
    return this.gpu.memoryProbe(gpuIndex);
  }

  /** Samples CPU/GPU/backlog into the window and publishes it to the store. */
  publishNow(): Promise<void> {
    this.publishing ??= this.samplePublish().finally(() => {
      this.publishing = undefined;
    });
    return this.publishing;
  }

  /** The bottleneck report: the fleet's (from the store) or this process's. */
  async report(): Promise<ProfileReport> {
    let snapshots;
    if (this.fleet.store) {
      await this.publishNow();
      snapshots = await this.fleet.store.recent();
    } else {
      this.sample(undefined);
      snapshots = [this.profiler.snapshot()];
    }
    return analyzeProfile(snapshots, { p95TargetMs: this.config.profilerP95TargetMs, now: this.deps.now?.() });
  }

  /** Spans of a traced job (empty when tracing is off or the job was not traced). */
  async trace(jobId: string): Promise<SpanRecord[]> {
    await this.tracer?.flush();
    return this.fleet.traces ? this.fleet.traces.spans(jobId) : [];
  }

  get tracing(): boolean {
    return this.tracer !== undefined;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.gpu.stop();
    await this.publishing;
    await this.tracer?.flush();
  }

  private async samplePublish(): Promise<void> {
    if (!this.config.profilerEnabled) return;
    try {
      const backlog = this.fleet.backlog ? await this.fleet.backlog() : undefined;
      this.sample(backlog);
      await this.fleet.store?.publish(this.profiler.snapshot(), Math.max(3 * this.config.profilerPublishIntervalMs, 2000));
      if (this.publishFailingSince !== undefined) {
        this.deps.logger?.info({ failingMs: Date.now() - this.publishFailingSince }, 'profile window published again');
        this.publishFailingSince = undefined;
      }
    } catch (e) {
      // One line when publishing starts failing (e.g. Redis down), not one per interval.
      if (this.publishFailingSince === undefined)
        this.deps.logger?.warn(
          { reason: (e as Error).message },
          'profile window could not be published (logged once until it works again)',
        );
      this.publishFailingSince ??= Date.now();
    }
  }

  private sample(backlog: number | undefined): void {
    const cache = this.fleet.cacheStats?.();
    if (cache) {
      const hits = (level: CacheCounters['l1']) => ('hits' in level ? (level.hits ?? 0) : 0);
      const seen = { lookups: cache.lookups, l1: hits(cache.l1) + cache.coalesced, l2: hits(cache.l2) };
      this.profiler.observeCache(seen.lookups - this.cacheSeen.lookups, seen.l1 - this.cacheSeen.l1, seen.l2 - this.cacheSeen.l2);
      this.cacheSeen = seen;
    }
    const gpu = summarizeGpus(this.gpu.gpus);
    this.profiler.sample({
      cpu: this.cpu?.sample(),
      gpu: gpu.utilization,
      gpuMemoryUsedRatio: gpu.memoryUsedRatio,
      activeChunks: this.deps.activeChunks?.(),
      backlog,
    });
  }
}
