// The lists the PendingQueue keeps its entries in: arrival order with lazy removal (an entry taken
// through one list is skipped by every other list that holds it), and a cursor over per-length
// buckets. One entry sits in several lists at once (its priority's, its length bucket, and for bulk
// texts its tenant lane's), so each list counts its own live entries.
import type { PendingItem } from './batch-types';

/** Lists of one tenant's bulk entries: arrival order, and per-length buckets. */
export interface LaneLists<T> {
  readonly list: EntryList<T>;
  readonly buckets: (EntryList<T> | undefined)[];
}

export interface Entry<T> {
  readonly item: PendingItem<T>;
  taken: boolean;
  /** Bulk entries: the tenant lane that also holds this entry. */
  lane?: LaneLists<T>;
}

/** Entries in arrival order with lazy removal: taken entries are skipped, compacted now and then. */
export class EntryList<T> {
  entries: Entry<T>[] = [];
  head = 0;
  live = 0;

  push(entry: Entry<T>): void {
    this.entries.push(entry);
    this.live++;
  }

  front(): Entry<T> | undefined {
    while (this.head < this.entries.length && this.entries[this.head].taken) this.head++;
    return this.entries[this.head];
  }

  /** Puts an entry back at its arrival position (entries are kept in seq order). */
  insert(entry: Entry<T>): void {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid].item.seq < entry.item.seq) lo = mid + 1;
      else hi = mid;
    }
    this.entries.splice(lo, 0, entry);
    this.live++;
  }

  compact(): void {
    this.front();
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

/** Walks the length buckets from one length up or down, each bucket oldest first, skipping taken entries. */
export class BucketCursor<T> {
  private index: number;

  constructor(
    private readonly buckets: (EntryList<T> | undefined)[],
    private length: number,
    private readonly step: 1 | -1,
  ) {
    this.index = buckets[length]?.head ?? 0;
  }

  peek(): Entry<T> | undefined {
    while (this.length >= 1 && this.length < this.buckets.length) {
      const bucket = this.buckets[this.length];
      if (bucket && bucket.live > 0) {
        while (this.index < bucket.entries.length) {
          const entry = bucket.entries[this.index];
          if (!entry.taken) return entry;
          this.index++;
        }
      }
      this.length += this.step;
      this.index = this.buckets[this.length]?.head ?? 0;
    }
    return undefined;
  }
}
