// Fair share of bulk texts between tenants inside one engine (ADR 014). Each tenant's bulk texts
// also wait in a lane of their own (arrival order, per-length buckets); a batch led by bulk is led,
// and grown, from the lane with the least virtual time: the texts it was served divided by its
// weight. Tenants with bulk texts waiting thus get batches in proportion to their weights however
// deep another tenant's backlog already is: without this, a tenant's chunk that reaches a worker
// waits behind every text the worker already holds (concurrency × chunk size, ~16k texts).
// A lane that becomes busy starts at the least virtual time of the busy lanes (start-time fair
// queueing): it neither waits behind a long backlog nor gets a burst of credit for its idle time.
// One exception, bounded: a lane that ran dry only a moment ago (less than `creditTexts` of the
// others' service) keeps what it was behind, up to `creditTexts` of its texts. A worker gets one
// tenant's chunks one after another with a gap between them (store, fetch, tokenize): strictly,
// a tenant with one chunk in the worker at a time would lose its turn at every gap.
// With nothing waiting, every lane is forgotten. One tenant (or none given) is plain arrival order.
import type { BulkShare } from './batch-types';
import { EntryList, type Entry, type LaneLists } from './entry-list';

/** The lane of bulk texts that name no tenant. */
export const DEFAULT_LANE = 'default';

export class TenantLane<T> implements LaneLists<T> {
  readonly list = new EntryList<T>();
  readonly buckets: (EntryList<T> | undefined)[] = [];
  /** Texts served divided by the weight (refunded for texts put back). */
  virtualTime = 0;
  /** The weight of the latest text pushed (Tenant.limits.weight). */
  weight = 1;

  constructor(readonly tenant: string) {}

  get busy(): boolean {
    return this.list.live > 0;
  }
}

export class TenantLanes<T> {
  private readonly lanes = new Map<string, TenantLane<T>>();

  constructor(
    /** Texts a lane that becomes busy may lead ahead of the others' virtual time (0: strict start-time fair queueing). */
    private readonly creditTexts = 0,
  ) {}

  /** Lanes kept: busy ones, and idle ones still ahead of every busy lane. */
  get size(): number {
    return this.lanes.size;
  }

  lane(tenant: string): TenantLane<T> | undefined {
    return this.lanes.get(tenant);
  }

  /** Adds a bulk entry at the end of its tenant's lane. */
  push(entry: Entry<T>): void {
    const lane = this.laneFor(entry.item.share);
    lane.list.push(entry);
    (lane.buckets[entry.item.length] ??= new EntryList<T>()).push(entry);
    entry.lane = lane;
  }

  /** Puts an entry taken into a batch back at its arrival position, and refunds what it was charged. */
  restore(entry: Entry<T>): void {
    const lane = this.laneFor(entry.item.share);
    lane.list.insert(entry);
    (lane.buckets[entry.item.length] ??= new EntryList<T>()).insert(entry);
    entry.lane = lane;
    lane.virtualTime -= 1 / lane.weight;
  }

  /** The lane whose turn it is: the least virtual time among busy lanes; a tie goes to the oldest text. */
  leading(): TenantLane<T> | undefined {
    let best: TenantLane<T> | undefined;
    let bestSeq = 0;
    for (const lane of this.lanes.values()) {
      const front = lane.list.front();
      if (!front) continue;
      if (!best || lane.virtualTime < best.virtualTime || (lane.virtualTime === best.virtualTime && front.item.seq < bestSeq)) {
        best = lane;
        bestSeq = front.item.seq;
      }
    }
    return best;
  }

  /** Counts a text taken into a batch against its tenant. */
  charge(entry: Entry<T>): void {
    const lane = entry.lane as TenantLane<T> | undefined;
    if (lane) lane.virtualTime += 1 / lane.weight;
  }

  /** Keeps the lane's counts right when one of its entries is taken (into a batch, or expired). */
  take(entry: Entry<T>): void {
    const lane = entry.lane;
    if (!lane) return;
    lane.list.live--;
    (lane.buckets[entry.item.length] as EntryList<T>).live--;
  }

  /**
   * Compacts the lanes' lists and drops idle lanes that fell more than the credit behind the busy
   * lanes (or, without credit, are not ahead of them): such a lane starts level with the busy lanes
   * when it comes back (and with no lane busy, every lane is forgotten).
   */
  compact(): void {
    const least = this.leastBusyTime();
    for (const [tenant, lane] of this.lanes) {
      if (!lane.busy && (least === undefined || lane.virtualTime <= this.floor(least, lane.weight))) {
        this.lanes.delete(tenant);
        continue;
      }
      lane.list.compact();
      for (const bucket of lane.buckets) bucket?.compact();
    }
  }

  clear(): void {
    this.lanes.clear();
  }

  private laneFor(share: BulkShare | undefined): TenantLane<T> {
    const tenant = share?.tenant ?? DEFAULT_LANE;
    const weight = share?.weight !== undefined && Number.isFinite(share.weight) && share.weight > 0 ? share.weight : 1;
    let lane = this.lanes.get(tenant);
    if (!lane?.busy) {
      // Becoming busy: no wait behind the others' history, no more than the credit for its idle
      // time; when no lane is busy, nothing waits and all history is forgotten.
      const least = this.leastBusyTime();
      if (least === undefined) {
        this.lanes.clear();
        lane = undefined;
      }
      if (!lane) {
        // New, or idle long enough to be forgotten: level with the busy lanes.
        lane = new TenantLane<T>(tenant);
        lane.virtualTime = least ?? 0;
        this.lanes.set(tenant, lane);
      } else if (least !== undefined) lane.virtualTime = Math.max(lane.virtualTime, this.floor(least, weight));
    }
    lane.weight = weight;
    return lane;
  }

  /** The furthest behind the least busy lane (at `least`) a lane of this weight may come back. */
  private floor(least: number, weight: number): number {
    return least - this.creditTexts / weight;
  }

  private leastBusyTime(): number | undefined {
    let least: number | undefined;
    for (const lane of this.lanes.values()) {
      if (lane.busy && (least === undefined || lane.virtualTime < least)) least = lane.virtualTime;
    }
    return least;
  }
}
