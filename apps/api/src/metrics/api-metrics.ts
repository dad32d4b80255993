// Prometheus metrics of one API process: requests and latency by route and status, the fleet's
// queue depth by state, and the queue Redis (up, memory). `emo_queue_backlog{queue}` (waiting +
// prioritized + delayed) is the figure autoscaling reads. Figures read from Redis are absent from a
// scrape while Redis does not answer (never stale, never a failed scrape): process metrics and
// `emo_queue_redis_up 0` are still there. Per tenant (label bounded by TENANT_METRICS_MAX_TENANTS):
// texts admitted, texts answered from the API's result cache, and 429s by code.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { COUNTED_STATES, PRIORITIES, type FleetQueues, type Priority } from '@emo/queue';
import { TenantLabels } from './tenant-labels';

export interface RedisMetricsSource {
  /** The connection state of the queue Redis (RedisAvailability). */
  up(): boolean;
  /** used_memory and maxmemory (0: no limit) from INFO memory. */
  memory(): Promise<{ usedBytes: number; maxBytes: number }>;
  /** Texts queued and not yet picked up, per queue (what admission counts). */
  queuedTexts?(): Promise<Record<Priority, number>>;
}

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'emo_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'emo_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly tenantTexts = new Counter({
    name: 'emo_tenant_texts_total',
    help: 'Texts of the calls a tenant sent that passed its rate limit (classify, jobs), by tenant (the first TENANT_METRICS_MAX_TENANTS tenants; the rest as "other")',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  private readonly tenantCacheHitTexts = new Counter({
    name: 'emo_tenant_cache_hits_total',
    help: "Texts of a tenant's /v1/classify calls answered from the API's result cache (L1 or L2) without the fleet, by tenant (bounded like emo_tenant_texts_total)",
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  private readonly tenantRefusals = new Counter({
    name: 'emo_tenant_refused_total',
    help: 'Calls answered 429, by tenant (bounded like emo_tenant_texts_total) and code (RATE_LIMITED, TENANT_BACKLOG_FULL, OVERLOADED)',
    labelNames: ['tenant', 'code'],
    registers: [this.registry],
  });
  private readonly tenants: TenantLabels;

  constructor(queues: Pick<FleetQueues, 'allCounts'>, redis?: RedisMetricsSource, options: { tenantMetricsMaxTenants?: number } = {}) {
    this.tenants = new TenantLabels(options.tenantMetricsMaxTenants ?? 50);
    collectDefaultMetrics({ register: this.registry });
    // One count per scrape feeds both gauges; a failed count leaves them empty for this scrape.
    let pending: Promise<void> | undefined;
    const refresh = (): Promise<void> =>
      (pending ??= queues
        .allCounts()
        .then(
          (all) => {
            for (const queue of PRIORITIES) {
              for (const state of COUNTED_STATES) jobs.set({ queue, state }, all[queue][state]);
              backlog.set({ queue }, all[queue].backlog);
            }
          },
          () => {
            jobs.reset();
            backlog.reset();
          },
        )
        .finally(() => {
          pending = undefined;
        }));
    const jobs = new Gauge({
      name: 'emo_queue_jobs',
      help: 'Chunks in the fleet queues by queue and BullMQ state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      collect: refresh,
    });
    const backlog = new Gauge({
      name: 'emo_queue_backlog',
      help: 'Chunks not yet picked up (waiting + prioritized + delayed), by queue',
      labelNames: ['queue'],
      registers: [this.registry],
      collect: refresh,
    });

    let textsPending: Promise<void> | undefined;
    const refreshTexts = (): Promise<void> =>
      (textsPending ??= (redis?.queuedTexts ? redis.queuedTexts() : Promise.reject(new Error('no Redis source')))
        .then(
          (all) => {
            for (const queue of PRIORITIES) texts.set({ queue }, all[queue]);
          },
          () => texts.reset(),
        )
        .finally(() => {
          textsPending = undefined;
        }));
    const texts = new Gauge({
      name: 'emo_queue_backlog_texts',
      help: 'Texts queued and not yet picked up, by queue (admission refuses past QUEUE_BACKLOG_TEXTS_*)',
      labelNames: ['queue'],
      registers: [this.registry],
      collect: refreshTexts,
    });

    let memoryPending: Promise<void> | undefined;
    const refreshMemory = (): Promise<void> =>
      (memoryPending ??= (redis ? redis.memory() : Promise.reject(new Error('no Redis source')))
        .then(
          ({ usedBytes, maxBytes }) => {
            if (Number.isFinite(usedBytes)) used.set(usedBytes);
            if (Number.isFinite(maxBytes)) max.set(maxBytes);
          },
          () => {
            used.reset();
            max.reset();
          },
        )
        .finally(() => {
          memoryPending = undefined;
        }));
    const used = new Gauge({
      name: 'emo_queue_redis_memory_used_bytes',
      help: 'used_memory of the queue Redis (INFO memory; on a Redis Cluster, of its fullest master)',
      registers: [this.registry],
      collect: refreshMemory,
    });
    const max = new Gauge({
      name: 'emo_queue_redis_memory_max_bytes',
      help: 'maxmemory of the queue Redis (0: no limit; it then grows until the host runs out; on a Redis Cluster, of its fullest master)',
      registers: [this.registry],
      collect: refreshMemory,
    });
    new Gauge({
      name: 'emo_queue_redis_up',
      help: '1 while every connection of this API process to the queue Redis is ready, else 0',
      registers: [this.registry],
      collect() {
        if (redis) this.set(redis.up() ? 1 : 0);
      },
    });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }

  /** Texts of a call the tenant's rate limit admitted. */
  tenantAdmitted(tenantId: string, texts: number): void {
    this.tenantTexts.inc({ tenant: this.tenants.of(tenantId) }, texts);
  }

  /** Texts of a call of the tenant answered from the API's result cache. */
  tenantCacheHits(tenantId: string, texts: number): void {
    this.tenantCacheHitTexts.inc({ tenant: this.tenants.of(tenantId) }, texts);
  }

  /** A call of the tenant answered 429 with `code`. */
  tenantRefused(tenantId: string, code: string): void {
    this.tenantRefusals.inc({ tenant: this.tenants.of(tenantId), code });
  }
}
