// Polls nvidia-smi on an interval and keeps the latest reading: Prometheus gauges per GPU
// (utilization, memory used/total, temperature, power), the free-memory probe of the batch
// scheduler, and utilization samples for the bottleneck analysis. No nvidia-smi: no GPU series,
// no errors; a failing query is counted and logged once per failure streak.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MemoryProbe } from '@emo/batching';
import type { GpuSample } from './nvidia-smi-query';
import type { GpuReading, NvidiaSmiReader } from './nvidia-smi-reader';

export interface GpuMonitorOptions {
  readonly reader: NvidiaSmiReader;
  readonly intervalMs: number;
  readonly registry?: Registry;
  readonly onReading?: (gpus: readonly GpuSample[]) => void;
  readonly onError?: (message: string) => void;
}

export const GPU_METRIC_NAMES = [
  'emo_gpu_utilization_ratio',
  'emo_gpu_memory_used_bytes',
  'emo_gpu_memory_total_bytes',
  'emo_gpu_temperature_celsius',
  'emo_gpu_power_watts',
  'emo_gpu_devices',
  'emo_gpu_query_errors_total',
] as const;

export class GpuMonitor {
  private latest: GpuSample[] = [];
  private state: GpuReading['status'] | 'unknown' = 'unknown';
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private failing = false;
  private errors?: Counter;

  constructor(private readonly options: GpuMonitorOptions) {
    if (options.registry) this.register(options.registry);
  }

  /** GPUs of the last good reading (empty without nvidia-smi or while it fails). */
  get gpus(): readonly GpuSample[] {
    return this.latest;
  }

  get status(): GpuReading['status'] | 'unknown' {
    return this.state;
  }

  /** Reads now, then every intervalMs (0: once). Stops polling for good once nvidia-smi is absent. */
  async start(): Promise<void> {
    await this.poll();
    if (this.options.intervalMs > 0 && this.state !== 'absent') {
      this.timer = setInterval(() => void this.poll(), this.options.intervalMs).unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  poll(): Promise<void> {
    this.inFlight ??= this.options.reader
      .read()
      .then((reading) => this.apply(reading))
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /** Free memory of one GPU from the last reading: the scheduler's memory probe (cheap, no I/O). */
  memoryProbe(index = 0): MemoryProbe {
    return {
      freeBytes: () => {
        const gpu = this.latest.find((g) => g.index === index);
        if (!gpu || gpu.memoryTotalBytes === undefined || gpu.memoryUsedBytes === undefined) return undefined;
        return Math.max(0, gpu.memoryTotalBytes - gpu.memoryUsedBytes);
      },
    };
  }

  private apply(reading: GpuReading): void {
    this.state = reading.status;
    if (reading.status === 'ok') {
      this.latest = reading.gpus;
      this.failing = false;
      this.options.onReading?.(reading.gpus);
      return;
    }
    this.latest = [];
    if (reading.status === 'failed') {
      this.errors?.inc();
      if (!this.failing) this.options.onError?.(`nvidia-smi failed: ${reading.error}`);
      this.failing = true;
    } else {
      this.stop();
    }
  }

  private register(registry: Registry): void {
    const registers = [registry];
    const labelNames = ['gpu', 'name'] as const;
    const latest = () => this.latest;
    const gauge = (name: string, help: string, pick: (g: GpuSample) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const g of latest()) {
            const v = pick(g);
            if (v !== undefined) this.set({ gpu: String(g.index), name: g.name }, v);
          }
        },
      });
    gauge('emo_gpu_utilization_ratio', 'GPU utilization from nvidia-smi, 0..1', (g) => g.utilization);
    gauge('emo_gpu_memory_used_bytes', 'GPU memory used, bytes', (g) => g.memoryUsedBytes);
    gauge('emo_gpu_memory_total_bytes', 'GPU memory total, bytes', (g) => g.memoryTotalBytes);
    gauge('emo_gpu_temperature_celsius', 'GPU temperature, degrees Celsius', (g) => g.temperatureCelsius);
    gauge('emo_gpu_power_watts', 'GPU power draw, watts', (g) => g.powerWatts);
    new Gauge({
      name: 'emo_gpu_devices',
      help: 'GPUs seen by the last nvidia-smi reading (0: none or no nvidia-smi)',
      registers,
      collect() {
        this.set(latest().length);
      },
    });
    this.errors = new Counter({
      name: 'emo_gpu_query_errors_total',
      help: 'nvidia-smi queries that failed (driver, devices, timeout)',
      registers,
    });
  }
}

/** Averages over GPUs for the analysis window: utilization, and the fullest GPU's memory share. */
export function summarizeGpus(gpus: readonly GpuSample[]): { utilization?: number; memoryUsedRatio?: number } {
  const utils = gpus.map((g) => g.utilization).filter((u): u is number => u !== undefined);
  const mem = gpus
    .filter((g) => g.memoryUsedBytes !== undefined && g.memoryTotalBytes)
    .map((g) => (g.memoryUsedBytes ?? 0) / (g.memoryTotalBytes ?? 1));
  return {
    ...(utils.length ? { utilization: utils.reduce((a, b) => a + b, 0) / utils.length } : {}),
    ...(mem.length ? { memoryUsedRatio: Math.max(...mem) } : {}),
  };
}
