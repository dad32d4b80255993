// The `tenant` label of per-tenant metrics, bounded: the first `max` distinct tenants seen get their
// own value, every later one is counted under `other`, so a fleet with thousands of keys cannot
// blow up the series count of a scrape (or of Prometheus). Which tenants those are depends on
// the order this process saw them in; a restart starts over.
export const OTHER_TENANTS = 'other';

export class TenantLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  /** The label value of `tenantId`. */
  of(tenantId: string): string {
    if (this.seen.has(tenantId)) return tenantId;
    if (this.seen.size >= this.max) return OTHER_TENANTS;
    this.seen.add(tenantId);
    return tenantId;
  }
}
