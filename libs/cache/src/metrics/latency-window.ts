// The last N latencies of an operation, for the percentiles in the stats object (Prometheus gets
// the histogram; a stats endpoint wants plain p50/p99 numbers).
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;

  constructor(size = 1024) {
    this.samples = new Float64Array(size);
  }

  add(ms: number): void {
    this.samples[this.count % this.samples.length] = ms;
    this.count++;
  }

  summary(): { p50: number; p99: number; samples: number } {
    const n = Math.min(this.count, this.samples.length);
    if (n === 0) return { p50: 0, p99: 0, samples: 0 };
    const sorted = this.samples.slice(0, n).sort();
    const at = (q: number) => Math.round(sorted[Math.min(n - 1, Math.floor(q * n))] * 1000) / 1000;
    return { p50: at(0.5), p99: at(0.99), samples: this.count };
  }
}
