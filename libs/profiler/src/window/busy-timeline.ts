// The inference slots' busy time over the recent window, kept in narrow buckets so that reading a
// window counts only what ran inside it. A batch reports when it finishes; its run [end − ms, end]
// is split exactly at bucket boundaries, so no bucket holds more than slots × its width (at most
// `slots` batches run at once) and no part of a run is counted outside the time it covered. A read
// takes whole buckets inside [from, now] and, of the one bucket cut by `from`, the share of its
// busy time that falls after `from` if it was spread evenly from the bucket's first run on (so a
// bucket whose runs all started after `from`, e.g. the first one after the model loaded, counts
// whole): busy ≤ slots × (now − from) by construction. What it cannot know is a batch still
// running at `now`: that reads low by at most one batch per slot, never high.

export class BusyTimeline {
  /** Bucket start (ms since the epoch) → busy ms inside it, and when its first run began. */
  private readonly buckets = new Map<number, { busy: number; first: number }>();

  /**
   * @param bucketMs width of one bucket (the error of a read is at most one bucket's busy time at its start edge)
   * @param keepMs how far back reads may reach; older buckets are dropped
   */
  constructor(
    private readonly bucketMs: number,
    private readonly keepMs: number,
  ) {}

  /** A run of `ms` that ended at `end`. */
  add(end: number, ms: number): void {
    if (!(ms > 0)) return;
    const oldest = end - this.keepMs;
    let from = Math.max(end - ms, oldest);
    while (from < end) {
      const start = from - (from % this.bucketMs);
      const to = Math.min(end, start + this.bucketMs);
      const bucket = this.buckets.get(start);
      if (bucket) {
        bucket.busy += to - from;
        bucket.first = Math.min(bucket.first, from);
      } else this.buckets.set(start, { busy: to - from, first: from });
      from = to;
    }
    this.prune(oldest);
  }

  /** Busy ms inside [from, now], where `now` is no earlier than the end of any run added. */
  since(from: number, now: number): number {
    let total = 0;
    for (const [start, { busy, first }] of this.buckets) {
      const end = Math.min(start + this.bucketMs, now);
      if (end <= from || start >= now) continue;
      // The bucket cut by `from`: its busy time spread evenly from its first run to its end.
      total += first >= from ? busy : busy * ((end - from) / (end - first));
    }
    return total;
  }

  private prune(oldest: number): void {
    for (const start of this.buckets.keys()) if (start + this.bucketMs <= oldest) this.buckets.delete(start);
  }
}
