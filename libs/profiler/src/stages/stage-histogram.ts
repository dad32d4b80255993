// A Prometheus histogram for the hot path of stage timing. prom-client's Histogram validates and
// hashes the labels and allocates a closure on every observe (~1.5 µs and garbage here); this
// one keeps a Float64Array per series found through nested maps of label values, so an
// observation allocates nothing. It registers in a prom-client Registry like any metric
// (name, help, type, get, reset) and renders the same text format (_bucket/_sum/_count).
import type { Metric, MetricValueWithName, Registry } from 'prom-client';

interface Series {
  readonly labels: Record<string, string>;
  /** Per-bucket counts (not cumulative), then +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class StageHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly root = new Map<string, Map<string, Map<string, Map<string, Series>>>>();
  private readonly series: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly [string, string, string, string],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    // The registry only needs name/help/type/get/reset; the cast is where this stands in for a prom-client class.
    registry.registerMetric(this as unknown as Metric<string>);
  }

  observe(a: string, b: string, c: string, d: string, value: number): void {
    let l1 = this.root.get(a);
    if (!l1) this.root.set(a, (l1 = new Map()));
    let l2 = l1.get(b);
    if (!l2) l1.set(b, (l2 = new Map()));
    let l3 = l2.get(c);
    if (!l3) l2.set(c, (l3 = new Map()));
    let s = l3.get(d);
    if (!s) {
      const [na, nb, nc, nd] = this.labelNames;
      s = { labels: { [na]: a, [nb]: b, [nc]: c, [nd]: d }, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      l3.set(d, s);
      this.series.push(s);
    }
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: MetricValueWithName<string>[] }> {
    const values: MetricValueWithName<string>[] = [];
    for (const s of this.series) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i];
        values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.root.clear();
    this.series.length = 0;
  }
}
