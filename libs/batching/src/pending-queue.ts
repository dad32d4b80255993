// The one owner of pending texts (TEI's queue.rs, in-process): texts wait here until the engine
// asks for the next batch. Order: interactive first (oldest first), bulk after (oldest first);
// but when bulk has waited `bulkAgingMs` without leading a batch while interactive texts kept
// the device busy, the oldest bulk text leads the next one (bulk never starves). The aging is
// measured from the last bulk-led batch, not from each text's arrival: a deep bulk backlog is
// normal and must not outrank interactive texts. A batch is built around its leading text; the
// rest comes from the per-length buckets, picking neighbours that add the least padding, within
// a token budget (texts × longest) and a maximum size. Bulk texts are shared fairly between
// tenants (tenant-lanes.ts): a bulk-led batch comes from the lane whose turn it is.
import {
  paddedCost,
  type AssembledBatch,
  type BatchBudget,
  type BatchBudgets,
  type BulkShare,
  type PendingItem,
  type Priority,
} from './batch-types';
import { BucketCursor, EntryList, type Entry } from './entry-list';
import { TenantLanes } from './tenant-lanes';

export interface PendingQueueOptions {
  /** Longest time bulk waits without leading a batch while interactive texts go first. */
  readonly bulkAgingMs: number;
  /** How many urgent texts one assembly looks at (bounds the work per batch). */
  readonly urgentScanLimit?: number;
  /** Bulk texts a tenant's lane may lead ahead of the others when it becomes busy (tenant-lanes.ts; default 0). */
  readonly laneCreditTexts?: number;
}

export interface EnqueueRequest<T> {
  readonly length: number;
  readonly priority: Priority;
  readonly deadlineAt?: number;
  /** Bulk: whose texts these are (fair share between tenants); none: the default lane. */
  readonly share?: BulkShare;
  readonly payload: T;
}

export class PendingQueue<T> {
  private nextSeq = 0;
  private live = 0;
  private readonly interactive = new EntryList<T>();
  private readonly bulk = new EntryList<T>();
  private readonly buckets: (EntryList<T> | undefined)[] = [];
  private withDeadline: Entry<T>[] = [];
  private readonly lanes: TenantLanes<T>;
  private lastBulkLedAt = Number.NEGATIVE_INFINITY;
  private readonly urgentScanLimit: number;

  constructor(private readonly options: PendingQueueOptions) {
    this.urgentScanLimit = options.urgentScanLimit ?? 1024;
    this.lanes = new TenantLanes<T>(options.laneCreditTexts ?? 0);
  }

  /** Texts waiting. */
  get size(): number {
    return this.live;
  }

  push(request: EnqueueRequest<T>, now: number): PendingItem<T> {
    const length = Math.max(1, Math.ceil(request.length));
    const item: PendingItem<T> = {
      seq: this.nextSeq++,
      length,
      priority: request.priority,
      enqueuedAt: now,
      deadlineAt: request.deadlineAt,
      ...(request.share && request.priority === 'bulk' ? { share: request.share } : {}),
      payload: request.payload,
    };
    const entry: Entry<T> = { item, taken: false };
    (item.priority === 'interactive' ? this.interactive : this.bulk).push(entry);
    (this.buckets[length] ??= new EntryList<T>()).push(entry);
    if (item.priority === 'bulk') this.lanes.push(entry);
    if (item.deadlineAt !== undefined) this.withDeadline.push(entry);
    this.live++;
    return item;
  }

  /** Puts items taken by `nextBatch` back, in their original rank (a prepared batch that must yield). */
  restore(items: readonly PendingItem<T>[]): void {
    for (const item of items) {
      const entry: Entry<T> = { item, taken: false };
      (item.priority === 'interactive' ? this.interactive : this.bulk).insert(entry);
      (this.buckets[item.length] ??= new EntryList<T>()).insert(entry);
      if (item.priority === 'bulk') this.lanes.restore(entry);
      if (item.deadlineAt !== undefined) this.withDeadline.push(entry);
      this.live++;
    }
  }

  /** Interactive texts waiting. */
  get urgentWaiting(): number {
    return this.interactive.live;
  }

  /** True when an interactive text waits: it must go before anything prepared ahead. */
  hasUrgent(): boolean {
    return this.urgentWaiting > 0;
  }

  /** Removes and returns the texts that can no longer meet their deadline (`minLatencyMs`: the fastest a text of that length could finish). */
  expire(now: number, minLatencyMs: (length: number) => number = () => 0): PendingItem<T>[] {
    const expired: PendingItem<T>[] = [];
    for (const entry of this.withDeadline) {
      if (!entry.taken && (entry.item.deadlineAt as number) < now + minLatencyMs(entry.item.length)) {
        this.take(entry);
        expired.push(entry.item);
      }
    }
    this.withDeadline = this.withDeadline.filter((e) => !e.taken);
    return expired;
  }

  /** Earliest deadline among waiting texts (for a wake-up timer). */
  earliestDeadline(): number | undefined {
    let earliest: number | undefined;
    for (const entry of this.withDeadline) {
      if (!entry.taken && (earliest === undefined || (entry.item.deadlineAt as number) < earliest)) earliest = entry.item.deadlineAt;
    }
    return earliest;
  }

  /** Takes the next batch: the most urgent text and the neighbours that fit its budget. */
  nextBatch(budgets: BatchBudgets, now: number): AssembledBatch<T> | undefined {
    this.compactAll();
    const head = this.headEntry(now);
    if (!head) return undefined;
    // Interactive texts waiting: the urgent budget, and they come first in the batch.
    const urgent = this.interactive.live > 0;
    if (head.item.priority === 'bulk') this.lastBulkLedAt = now;
    const budget = urgent ? budgets.urgent : budgets.bulk;
    const items: PendingItem<T>[] = [];
    let longest = 0;
    const add = (entry: Entry<T>) => {
      this.take(entry);
      this.lanes.charge(entry);
      items.push(entry.item);
      longest = Math.max(longest, entry.item.length);
    };
    const within = (b: BatchBudget, length: number) =>
      items.length < Math.max(1, Math.floor(b.maxSize)) && paddedCost(items.length + 1, Math.max(longest, length)) <= b.maxTokens;
    const fits = (length: number) => within(budget, length);
    add(head);
    if (urgent) {
      // Every waiting interactive text that fits the interactive budget, oldest first; the
      // latency-capped urgent budget then bounds the fill below.
      const mine = budgets.interactive ?? budget;
      for (const entry of this.urgentCandidates()) {
        if (items.length >= Math.max(1, Math.floor(mine.maxSize))) break;
        if (!entry.taken && within(mine, entry.item.length)) add(entry);
      }
    } else {
      // Only bulk waits (an interactive text would have been the head): grow a length bucket
      // around the lane's oldest text from that lane, each step taking the neighbour that adds the
      // least padding.
      const buckets = head.lane?.buckets ?? this.buckets;
      const above = new BucketCursor(buckets, head.item.length + 1, 1);
      const below = new BucketCursor(buckets, head.item.length, -1);
      for (;;) {
        const b = below.peek();
        const a = above.peek();
        const okB = b !== undefined && fits(b.item.length);
        const okA = a !== undefined && fits(a.item.length);
        if (!okB && !okA) break;
        const wasteB = okB ? longest - b.item.length : Number.POSITIVE_INFINITY;
        const wasteA = okA ? items.length * (a.item.length - longest) : Number.POSITIVE_INFINITY;
        add(wasteA < wasteB || (wasteA === wasteB && okA && okB && a.item.seq < b.item.seq) ? (a as Entry<T>) : (b as Entry<T>));
      }
    }
    // Fill what budget is left with texts no longer than the batch's longest: no extra padding width.
    const fill = new BucketCursor(this.buckets, longest, -1);
    for (let entry = fill.peek(); entry && fits(entry.item.length); entry = fill.peek()) add(entry);
    return { items, urgent, longest, paddedTokens: paddedCost(items.length, longest) };
  }

  /** Removes and returns everything waiting (shutdown). */
  drain(): PendingItem<T>[] {
    const all: PendingItem<T>[] = [];
    for (const list of [this.interactive, this.bulk]) {
      for (const entry of list.entries) {
        if (entry.taken) continue;
        this.take(entry);
        all.push(entry.item);
      }
    }
    this.compactAll();
    this.lanes.clear();
    return all;
  }

  private headEntry(now: number): Entry<T> | undefined {
    const i = this.interactive.front();
    // Bulk: the oldest text of the lane whose turn it is (with one tenant, the oldest bulk text).
    const b = this.lanes.leading()?.list.front();
    if (!i || !b) return i ?? b;
    return this.bulkStarving(this.bulk.front() ?? b, now) ? b : i;
  }

  /** Bulk has waited the aging time since it last led a batch (or since its oldest text came). */
  private bulkStarving(oldestBulk: Entry<T>, now: number): boolean {
    return now - Math.max(this.lastBulkLedAt, oldestBulk.item.enqueuedAt) >= this.options.bulkAgingMs;
  }

  /** Waiting interactive texts, oldest first, bounded. */
  private urgentCandidates(): Entry<T>[] {
    const out: Entry<T>[] = [];
    const list = this.interactive;
    for (let k = list.head; k < list.entries.length && out.length < this.urgentScanLimit; k++) {
      if (!list.entries[k].taken) out.push(list.entries[k]);
    }
    return out;
  }

  private take(entry: Entry<T>): void {
    entry.taken = true;
    this.live--;
    (entry.item.priority === 'interactive' ? this.interactive : this.bulk).live--;
    (this.buckets[entry.item.length] as EntryList<T>).live--;
    this.lanes.take(entry);
  }

  private compactAll(): void {
    this.interactive.compact();
    this.bulk.compact();
    for (const bucket of this.buckets) bucket?.compact();
    this.lanes.compact();
  }
}
