// A mergeable latency histogram with log-spaced buckets (~4 % wide): quantiles within a few
// percent, a few dozen numbers per stage, and histograms of several processes merge by adding
// counts — which is how the fleet-wide profile aggregates windows from every worker.

const GROWTH = 1.04;
const LOG_GROWTH = Math.log(GROWTH);
/** Bucket 0 holds everything up to MIN_MS. */
const MIN_MS = 0.01;

export interface HistogramData {
  /** bucket index → weight (texts). */
  readonly buckets: Record<string, number>;
  readonly count: number;
  readonly sumMs: number;
}

export class LogHistogram {
  /** Weight per bucket index (a sparse array: no allocation per observation). */
  private readonly buckets: number[] = [];
  count = 0;
  sumMs = 0;

  static bucketOf(ms: number): number {
    return ms <= MIN_MS ? 0 : 1 + Math.floor(Math.log(ms / MIN_MS) / LOG_GROWTH);
  }

  /** Upper bound of a bucket, ms. */
  static upperMs(bucket: number): number {
    return MIN_MS * GROWTH ** bucket;
  }

  static from(data: HistogramData): LogHistogram {
    const h = new LogHistogram();
    h.merge(data);
    return h;
  }

  add(ms: number, weight = 1): void {
    if (!(ms >= 0) || !(weight > 0)) return;
    const b = LogHistogram.bucketOf(ms);
    this.buckets[b] = (this.buckets[b] ?? 0) + weight;
    this.count += weight;
    this.sumMs += ms * weight;
  }

  merge(other: HistogramData | LogHistogram): void {
    const entries =
      other instanceof LogHistogram ? other.entries() : Object.entries(other.buckets).map(([k, v]) => [Number(k), v] as const);
    for (const [b, w] of entries) this.buckets[b] = (this.buckets[b] ?? 0) + w;
    this.count += other.count;
    this.sumMs += other.sumMs;
  }

  /** The q-quantile (0..1) in ms (upper bound of its bucket); 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = q * this.count;
    let seen = 0;
    for (const [b, w] of this.entries()) {
      seen += w;
      if (seen >= rank) return LogHistogram.upperMs(b);
    }
    return LogHistogram.upperMs(this.buckets.length - 1);
  }

  /** [bucket, weight] of the non-empty buckets, ascending. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    this.buckets.forEach((w, b) => {
      if (w) out.push([b, w]);
    });
    return out;
  }

  get meanMs(): number {
    return this.count === 0 ? 0 : this.sumMs / this.count;
  }

  toJSON(): HistogramData {
    return { buckets: Object.fromEntries(this.entries()), count: this.count, sumMs: this.sumMs };
  }
}
