// The API's Nest module. Everything it needs comes in as values (config, fleet client,
// classifier, metrics, logger), so tests and `emo serve all` can wire it their way.
import type { Classifier } from '@emo/contracts';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { AppConfig } from '@emo/config';
import type { Logger, ProfilingRuntime } from '@emo/profiler';
import { TenantQuotaStore, type FleetClient } from '@emo/queue';
import { BackfillsController } from './backfills/backfills.controller';
import { BACKFILLS, createBackfills } from './backfills/backfills.providers';
import { BackfillsService } from './backfills/backfills.service';
import { StreamBodyParsers } from './backfills/stream-body.parsers';
import { CacheStatsController } from './cache/cache-stats.controller';
import { ClassifyController } from './classify/classify.controller';
import { ClassifyService } from './classify/classify.service';
import { HealthController } from './health/health.controller';
import { AppErrorFilter } from './http/app-error.filter';
import { BacklogGate } from './jobs/backlog-gate';
import { JobsController } from './jobs/jobs.controller';
import { JobsService } from './jobs/jobs.service';
import type { ApiMetrics } from './metrics/api-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { ProfileController } from './profile/profile.controller';
import { ProfileService } from './profile/profile.service';
import { TenantAuthGuard } from './tenancy/tenant-auth.guard';
import type { TenantDirectory } from './tenancy/tenant-directory';
import { TenantQuota } from './tenancy/tenant-quota';
import { API_METRICS, APP_CONFIG, APP_LOGGER, BACKLOG_GATE, CACHE_STATS, CLASSIFIER, FLEET_CLIENT, PROFILING, TENANTS } from './tokens';

export interface ApiModuleDeps {
  readonly config: AppConfig;
  readonly fleet: FleetClient;
  readonly classifier: Classifier;
  /** The result cache's stats (GET /v1/cache/stats); absent when the cache is off. */
  readonly cacheStats?: () => unknown;
  readonly metrics: ApiMetrics;
  readonly logger: Logger;
  readonly profiling: ProfilingRuntime;
  /** Which key is which tenant (openTenantDirectory: API_KEYS, API_ADMIN_KEYS, API_KEYS_FILE). */
  readonly tenants: TenantDirectory;
}

@Module({})
export class ApiModule {
  static register(deps: ApiModuleDeps): DynamicModule {
    return {
      module: ApiModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [
        ClassifyController,
        JobsController,
        BackfillsController,
        HealthController,
        // With API_METRICS_PORT, /metrics is served on that port only (metrics-server.ts).
        ...(deps.config.api.apiMetricsPort === undefined ? [MetricsController] : []),
        CacheStatsController,
        ProfileController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: deps.config },
        { provide: FLEET_CLIENT, useValue: deps.fleet },
        { provide: CLASSIFIER, useValue: deps.classifier },
        {
          provide: CACHE_STATS,
          useValue: deps.cacheStats ?? (() => ({ enabled: false, reason: 'CACHE_ENABLED or CACHE_L2_ENABLED is off' })),
        },
        { provide: API_METRICS, useValue: deps.metrics },
        { provide: APP_LOGGER, useValue: deps.logger },
        { provide: PROFILING, useValue: deps.profiling },
        {
          provide: BACKLOG_GATE,
          useValue: new BacklogGate(
            deps.fleet.queues,
            deps.config.api.queueBacklogLimit,
            deps.config.api.overloadRetryAfterSeconds,
            250,
            Date.now,
            {
              source: deps.fleet.store,
              limits: { interactive: deps.config.api.queueBacklogTextsInteractive, bulk: deps.config.api.queueBacklogTextsBulk },
              interactiveDeadline: { ms: deps.config.api.classifyDeadlineMs, share: deps.config.api.queueAdmissionDeadlineShare },
            },
          ),
        },
        { provide: BACKFILLS, useValue: createBackfills(deps.fleet, deps.config) },
        ClassifyService,
        JobsService,
        BackfillsService,
        StreamBodyParsers,
        ProfileService,
        { provide: TENANTS, useValue: deps.tenants },
        {
          provide: TenantQuota,
          useValue: new TenantQuota(new TenantQuotaStore(deps.fleet.redis, deps.fleet.keys), {
            burstSeconds: deps.config.tenants.tenantRateBurstSeconds,
            onAdmitted: (tenant, texts) => deps.metrics.tenantAdmitted(tenant, texts),
          }),
        },
        { provide: APP_GUARD, useClass: TenantAuthGuard },
        { provide: APP_FILTER, useClass: AppErrorFilter },
      ],
    };
  }
}
