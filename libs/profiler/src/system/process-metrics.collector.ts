// Process CPU utilization (share of the cores this process may use) as a prom-client gauge and
// as a sample for the analysis window; memory comes from prom-client's default process metrics,
// registered here when the app has not done so.
import { availableParallelism } from 'node:os';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

export class ProcessMetricsCollector {
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private lastRatio = 0;
  private readonly cores = Math.max(1, availableParallelism());

  constructor(registry: Registry) {
    if (!registry.getSingleMetric('process_resident_memory_bytes')) collectDefaultMetrics({ register: registry });
    const sample = () => this.sample();
    new Gauge({
      name: 'emo_process_cpu_utilization_ratio',
      help: 'CPU time of this process per wall second, as a share of its available cores (0..1)',
      registers: [registry],
      collect() {
        this.set(sample());
      },
    });
  }

  /** CPU share since the previous sample (the last value when sampled again within 100 ms). */
  sample(): number {
    const now = performance.now();
    const elapsedMs = now - this.lastAt;
    if (elapsedMs < 100) return this.lastRatio;
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    this.lastRatio = Math.min(1, (cpu.user + cpu.system) / 1000 / elapsedMs / this.cores);
    return this.lastRatio;
  }

  rssBytes(): number {
    return process.memoryUsage.rss();
  }
}
