// Tenant settings: the defaults of every tenant's limits (a tenant of API_KEYS_FILE may override
// them) and how many tenants get their own metric labels.
import { int, num, setting } from '../setting';

export const tenantsSettings = {
  tenantRateLimitTextsPerS: setting(
    'TENANT_RATE_LIMIT_TEXTS_PER_S',
    num(0).default(0),
    'Default rate limit of a tenant in texts per second (a token bucket in Redis shared by every API pod; 429 RATE_LIMITED over it). 0: off.',
  ),
  tenantRateBurstSeconds: setting(
    'TENANT_RATE_BURST_SECONDS',
    num(0.1, 3600).default(2),
    'Burst of the rate limit: a tenant may send this many seconds of its rate at once (bucket size = rate x burst, at least one request).',
  ),
  tenantMaxQueuedTexts: setting(
    'TENANT_MAX_QUEUED_TEXTS',
    int(0).default(0),
    'Default share of the backlog of a tenant: most of its texts queued and not yet picked up by a worker (429 TENANT_BACKLOG_FULL over it; backfill uploads wait instead). 0: off.',
  ),
  tenantMetricsMaxTenants: setting(
    'TENANT_METRICS_MAX_TENANTS',
    int(0, 10_000).default(50),
    'Tenants that get their own label on per-tenant metrics; the others are counted under tenant="other" (bounds label cardinality).',
  ),
} as const;
