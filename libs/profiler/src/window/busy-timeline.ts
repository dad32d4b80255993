// The inference slots' busy time over the recent window, by when each batch finished, in narrow
// buckets so that a read covers exactly the window [from, now] rather than whole ring slots (the
// oldest slot of ProfileWindow's ring is partly expired and counted whole there, up to a sixth of
// the window too much). A batch counts whole in the window it finished in: the one that straddles
// the window's start counts and the one still running at `now` does not, so a read is off by up
// to one batch per slot either way and, under steady load, by neither on average. (Clipping each
// run to the window instead would only ever drop the running batch: a saturated slot with batches
// a fifth of the window long would read a tenth low on average.)

interface Bucket {
  busy: number;
  /** The earliest batch end in the bucket. */
  firstEnd: number;
}

export class BusyTimeline {
  /** k → the batches that ended in (k·bucketMs, (k+1)·bucketMs]. */
  private readonly buckets = new Map<number, Bucket>();

  /**
   * @param bucketMs width of one bucket (a read is exact but for the one bucket its start falls in)
   * @param keepMs how far back reads may reach; older buckets are dropped
   */
  constructor(
    private readonly bucketMs: number,
    private readonly keepMs: number,
  ) {}

  /** A batch that kept a slot busy for `ms` and finished at `end`. */
  add(end: number, ms: number): void {
    if (!(ms > 0)) return;
    const k = Math.ceil(end / this.bucketMs) - 1;
    const bucket = this.buckets.get(k);
    if (bucket) {
      bucket.busy += ms;
      bucket.firstEnd = Math.min(bucket.firstEnd, end);
    } else this.buckets.set(k, { busy: ms, firstEnd: end });
    this.prune(end - this.keepMs);
  }

  /** Busy ms of the batches that finished in (from, now]; `now` is no earlier than any end added. */
  since(from: number, now: number): number {
    let total = 0;
    for (const [k, { busy, firstEnd }] of this.buckets) {
      const start = k * this.bucketMs;
      const end = Math.min(start + this.bucketMs, now);
      if (end <= from) continue;
      if (start >= from || firstEnd > from) total += busy;
      // The bucket `from` cuts, with ends on both sides: its ends taken as spread evenly from the first.
      else total += busy * ((end - from) / (end - firstEnd));
    }
    return total;
  }

  private prune(oldest: number): void {
    for (const k of this.buckets.keys()) if ((k + 1) * this.bucketMs <= oldest) this.buckets.delete(k);
  }
}
