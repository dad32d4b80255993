// Assembles the profiler of one process from config: the Profiler, the process CPU collector,
// the nvidia-smi monitor, per-job tracing and the publisher that puts this process's window
// into the shared store every PROFILER_PUBLISH_INTERVAL_MS. Apps start one and close it on exit.
import type { AppConfig } from '@emo/config';
import type { MemoryProbe } from '@emo/batching';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { analyzeProfile } from './analysis/bottleneck-analyzer';
import type { ProfileReport } from './analysis/profile-report';
import { GpuMonitor, summarizeGpus } from './gpu/gpu-monitor';
import { NvidiaSmiReader } from './gpu/nvidia-smi-reader';
import { Profiler } from './profiler';
import type { ProfileStore } from './store/profile-store';
import { ProcessMetricsCollector } from './system/process-metrics.collector';
import type { SpanRecord, TraceStore } from './tracing/span-record';
import { TraceRecorder } from './tracing/trace-recorder';
import type { ProcessRole } from './window/profile-snapshot';

export type ProfilingConfig = Pick<
  AppConfig,
  | 'profilerEnabled'
  | 'profilerSampleRate'
  | 'profilerWindowSeconds'
  | 'profilerPublishIntervalMs'
  | 'profilerP95TargetMs'
  | 'tracingEnabled'
  | 'traceRetentionSeconds'
  | 'gpuPollIntervalMs'
  | 'nvidiaSmiPath'
>;

export interface ProfilingDeps {
  readonly role: ProcessRole;
  readonly registry?: Registry;
  /** Shared store of the fleet (Redis); without one the report covers this process only. */
  readonly store?: ProfileStore;
  readonly traces?: TraceStore;
  /** Chunks waiting in the queues (sampled at each publish for the backlog trend). */
  readonly backlog?: () => Promise<number>;
  readonly activeChunks?: () => number;
  readonly reader?: NvidiaSmiReader;
  readonly logger?: Logger;
  readonly source?: string;
}

export class ProfilingRuntime {
  readonly profiler: Profiler;
  readonly gpu: GpuMonitor;
  private readonly cpu?: ProcessMetricsCollector;
  private readonly tracer?: TraceRecorder;
  private timer?: NodeJS.Timeout;
  private publishing?: Promise<void>;

  private constructor(
    private readonly config: ProfilingConfig,
    private readonly deps: ProfilingDeps,
  ) {
    const enabled = config.profilerEnabled;
    if (enabled && config.tracingEnabled && deps.traces) {
      this.tracer = new TraceRecorder({ store: deps.traces, retentionSeconds: config.traceRetentionSeconds, onError: (e) => deps.logger?.warn({ err: e }, 'trace spans could not be stored') });
    }
    this.profiler = new Profiler({
      enabled,
      sampleRate: config.profilerSampleRate,
      windowMs: config.profilerWindowSeconds * 1000,
      role: deps.role,
      registry: deps.registry,
      source: deps.source,
      tracer: this.tracer,
    });
    if (enabled) this.cpu = new ProcessMetricsCollector(this.profiler.registry);
    this.gpu = new GpuMonitor({
      reader: deps.reader ?? new NvidiaSmiReader(config.nvidiaSmiPath),
      intervalMs: config.gpuPollIntervalMs,
      registry: enabled ? this.profiler.registry : undefined,
      onError: (m) => deps.logger?.warn(m),
    });
  }

  static async start(config: ProfilingConfig, deps: ProfilingDeps): Promise<ProfilingRuntime> {
    const runtime = new ProfilingRuntime(config, deps);
    if (config.profilerEnabled && config.gpuPollIntervalMs > 0) {
      await runtime.gpu.start();
      if (runtime.gpu.status === 'absent') deps.logger?.debug('no nvidia-smi: reporting CPU metrics only');
    }
    if (config.profilerEnabled && deps.store) {
      runtime.timer = setInterval(() => void runtime.publishNow(), config.profilerPublishIntervalMs).unref();
    }
    return runtime;
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
    if (this.deps.store) {
      await this.publishNow();
      snapshots = await this.deps.store.recent();
    } else {
      this.sample(undefined);
      snapshots = [this.profiler.snapshot()];
    }
    return analyzeProfile(snapshots, { p95TargetMs: this.config.profilerP95TargetMs });
  }

  /** Spans of a traced job (empty when tracing is off or the job was not traced). */
  async trace(jobId: string): Promise<SpanRecord[]> {
    await this.tracer?.flush();
    return this.deps.traces ? this.deps.traces.spans(jobId) : [];
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
      const backlog = this.deps.backlog ? await this.deps.backlog() : undefined;
      this.sample(backlog);
      await this.deps.store?.publish(this.profiler.snapshot(), Math.max(3 * this.config.profilerPublishIntervalMs, 2000));
    } catch (e) {
      this.deps.logger?.warn({ err: e }, 'profile window could not be published');
    }
  }

  private sample(backlog: number | undefined): void {
    const gpu = summarizeGpus(this.gpu.gpus);
    this.profiler.sample({ cpu: this.cpu?.sample(), gpu: gpu.utilization, gpuMemoryUsedRatio: gpu.memoryUsedRatio, activeChunks: this.deps.activeChunks?.(), backlog });
  }
}
