// Who is asking: every API key belongs to one tenant, which owns its jobs, backfills, results and
// idempotency keys (another tenant's id answers 404, exactly as a missing one), has scopes, and
// has limits. The API authenticates a key to a Tenant once per request; everything below the
// controllers takes the tenant (or its id) explicitly.

/** What a key may do: classify (/v1/classify), jobs (/v1/jobs), backfills (/v1/backfills), admin (cache flush, profile, traces, dashboards). */
export type Scope = 'classify' | 'jobs' | 'backfills' | 'admin';
export const SCOPES: readonly Scope[] = ['classify', 'jobs', 'backfills', 'admin'];

/** Per-tenant limits; 0 = off. */
export interface TenantLimits {
  /** Token bucket refill rate in texts per second (TENANT_RATE_LIMIT_TEXTS_PER_S by default). */
  readonly textsPerSecond: number;
  /** Most texts of this tenant queued and not yet picked up by a worker (TENANT_MAX_QUEUED_TEXTS by default). */
  readonly maxQueuedTexts: number;
  /** Share of bulk capacity relative to other tenants with work queued (default 1). */
  readonly weight: number;
}

export interface Tenant {
  /** Stable, safe in Redis keys, logs and metric labels: lowercase letters, digits, '-' and '_', 1-64 characters. */
  readonly id: string;
  readonly scopes: ReadonlySet<Scope>;
  readonly limits: TenantLimits;
}

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The tenant of every request while authentication is off (API_KEYS and API_KEYS_FILE empty): all scopes, limits from env. */
export const DEFAULT_TENANT_ID = 'default';

export function hasScope(tenant: Tenant, scope: Scope): boolean {
  return tenant.scopes.has(scope);
}
