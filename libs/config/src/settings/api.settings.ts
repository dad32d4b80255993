// API settings: listen address, API keys, request limits, admission (429) and the Retry-After of
// refusals, and how long the API waits for the queue Redis.
import { z } from 'zod';
import { bool, csv, int, num, setting } from '../setting';

export const apiSettings = {
  apiKeys: setting(
    'API_KEYS',
    csv(z.string().min(8)).default([]),
    'Comma-separated API keys (Bearer), each its own tenant (key-<12 hex of its sha256>) with the classify, jobs and backfills scopes. Empty, and no API_KEYS_FILE: authentication off (every call is the default tenant, every scope).',
  ),
  apiKeysFile: setting(
    'API_KEYS_FILE',
    z.string().min(1).optional(),
    'Keys file (JSON or YAML): tenants with the sha256 of each key (never the key), scopes and limits (docs/fleet.md, Tenants). Re-read when it changes (API_KEYS_RELOAD_MS). Used together with API_KEYS.',
  ),
  apiAdminKeys: setting(
    'API_ADMIN_KEYS',
    csv(z.string().min(8)).default([]),
    'Keys of API_KEYS that also get the admin scope (GET /v1/profile, job traces, GET /v1/cache/stats, /docs with API_DOCS=admin); a key listed here but not in API_KEYS is refused at start.',
  ),
  apiKeysReloadMs: setting(
    'API_KEYS_RELOAD_MS',
    int(0, 3_600_000).default(5000),
    'How often the API checks API_KEYS_FILE for changes (a bad new version is logged and the last good one kept). 0: read once at start.',
  ),
  apiDocs: setting(
    'API_DOCS',
    z.enum(['public', 'admin', 'off']).default('public'),
    'Who may read the OpenAPI docs at /docs: anyone, admin keys only, or nobody (not served).',
  ),
  apiMetricsPort: setting(
    'API_METRICS_PORT',
    int(1, 65535).optional(),
    "Serve the API's /metrics on this port only (for Prometheus inside the cluster; PORT then answers 404 for /metrics). Unset: /metrics on PORT.",
  ),
  apiShutdownGraceMs: setting(
    'API_SHUTDOWN_GRACE_MS',
    int(0, 600_000).default(20_000),
    "On SIGTERM the API stops taking requests and lets those in flight finish (held `?wait_ms=` status calls answer at once); after this long the connections still open are closed. Keep it under the pod's terminationGracePeriodSeconds minus its preStop sleep (30 s - 5 s in deploy/k8s).",
  ),
  host: setting('HOST', z.string().default('0.0.0.0'), 'API listen address.'),
  port: setting('PORT', int(0, 65535).default(8080), 'API port.'),
  apiBodyLimitBytes: setting(
    'API_BODY_LIMIT_BYTES',
    int(1024, 1_073_741_824).default(16_777_216),
    'Largest accepted HTTP request body in bytes (413 PAYLOAD_TOO_LARGE above).',
  ),
  classifyMaxTexts: setting(
    'CLASSIFY_MAX_TEXTS',
    int(1, 4096).default(64),
    'Most texts in one POST /v1/classify request (422 TOO_MANY_TEXTS above).',
  ),
  jobMaxItems: setting(
    'JOB_MAX_ITEMS',
    int(1, 10_000_000).default(200_000),
    'Most items in one POST /v1/jobs request (422 TOO_MANY_TEXTS above).',
  ),
  classifyDeadlineMs: setting(
    'CLASSIFY_DEADLINE_MS',
    int(10, 600_000).default(5000),
    'How long POST /v1/classify waits for the fleet before answering 504 DEADLINE_EXCEEDED (the work still completes).',
  ),
  queueBacklogLimit: setting(
    'QUEUE_BACKLOG_LIMIT',
    int(1).default(20_000),
    'Queued chunks (waiting + prioritized + delayed) of a queue above which new work is refused with 429 OVERLOADED.',
  ),
  queueBacklogTextsInteractive: setting(
    'QUEUE_BACKLOG_TEXTS_INTERACTIVE',
    int(1).default(1000),
    "Most texts queued on the interactive queue (not yet picked up by a worker): a /v1/classify call or interactive job past it is refused with 429 OVERLOADED. The cap while the workers' pace is not measured yet (see QUEUE_ADMISSION_DEADLINE_SHARE); also bounds queue Redis memory.",
  ),
  queueAdmissionDeadlineShare: setting(
    'QUEUE_ADMISSION_DEADLINE_SHARE',
    num(0, 1).default(0.5),
    'Interactive admission also refuses (429) a call once the texts queued before it would take the workers longer than this share of CLASSIFY_DEADLINE_MS, at the pace measured in seconds their queue stayed busy (so overload says 429 instead of 504 whatever the fleet size). 0: QUEUE_BACKLOG_TEXTS_INTERACTIVE only.',
  ),
  queueBacklogTextsBulk: setting(
    'QUEUE_BACKLOG_TEXTS_BULK',
    int(1).default(2_000_000),
    'Texts queued on the bulk queue (not yet picked up) above which a bulk job is refused with 429 OVERLOADED (bounds queue Redis memory; backfill uploads wait instead, see BACKFILL_MAX_QUEUED_CHUNKS).',
  ),
  overloadRetryAfterSeconds: setting('OVERLOAD_RETRY_AFTER_SECONDS', int(1, 3600).default(5), 'Retry-After sent with 429 OVERLOADED.'),
  unavailableRetryAfterSeconds: setting(
    'UNAVAILABLE_RETRY_AFTER_SECONDS',
    int(1, 3600).default(5),
    'Retry-After sent with 503 QUEUE_UNAVAILABLE (the queue Redis is down, out of memory or does not answer).',
  ),
  redisCommandTimeoutMs: setting(
    'REDIS_COMMAND_TIMEOUT_MS',
    int(100, 600_000).default(5000),
    'The API fails a queue Redis command that gets no answer within this time (503 QUEUE_UNAVAILABLE); with Redis unreachable it fails at once, without waiting for reconnects.',
  ),
  apiQueueDashboard: setting(
    'API_QUEUE_DASHBOARD',
    bool().default(false),
    'Serve the Bull Board queue dashboard at /admin/queues, for keys with the admin scope only (docs/fleet.md, Queue dashboard). Refused at start while authentication is off unless API_QUEUE_DASHBOARD_ALLOW_OPEN is true.',
  ),
  apiQueueDashboardAllowOpen: setting(
    'API_QUEUE_DASHBOARD_ALLOW_OPEN',
    bool().default(false),
    'Let API_QUEUE_DASHBOARD serve the dashboard with authentication off (no API_KEYS, no API_KEYS_FILE): anyone who reaches the API then sees every queue. For a local fleet only.',
  ),
  apiQueueDashboardReadOnly: setting(
    'API_QUEUE_DASHBOARD_READ_ONLY',
    bool().default(true),
    'The queue dashboard only shows: its retry, remove, clean, pause and add actions are hidden and refused (403 QUEUE_DASHBOARD_READ_ONLY). false: admins may act on chunks.',
  ),
  apiAdminSessionTtlSeconds: setting(
    'API_ADMIN_SESSION_TTL_SECONDS',
    int(0, 43_200).default(900),
    'Lifetime of an admin browser session (POST /admin/session: an HttpOnly, SameSite=Strict, Secure cookie for /admin, kept in the queue Redis), seconds from sign-in. 0: no sessions, the dashboard takes only the Authorization header.',
  ),
} as const;
