// The rules of POST /v1/classify: the long-text policy, admission on the interactive queue (a
// refusal is a 429 at once rather than a 504 at the deadline), and the deadline, counted from when
// the request arrived, within which the Classifier (the fleet, or the result cache in front) answers.
// The fleet's job for the call belongs to the caller's tenant. The result cache is shared by every
// tenant (same text, same model: same answer) and joins texts another call computes, so a call
// may wait on another tenant's job: its 504 then names no job (that id is not the caller's).
import { AppError, type Classifier, type ClassifyOutcome, type Taxonomy, type Tenant } from '@emo/contracts';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ApiCacheClassifyOptions } from '@emo/cache';
import type { AppConfig } from '@emo/config';
import { JobDeadlineError, type FleetClassifyOptions } from '@emo/queue';
import { checkTextLengths } from '../http/text-limits';
import { ADMIT_ALL, spendWithin, TenantQuota, type RateLimitSlot } from '../tenancy/tenant-quota';
import type { BacklogGate } from '../jobs/backlog-gate';
import type { ApiMetrics } from '../metrics/api-metrics';
import { API_METRICS, APP_CONFIG, BACKLOG_GATE, CLASSIFIER } from '../tokens';

export interface ClassifyCall {
  readonly texts: readonly string[];
  readonly includeScores?: boolean;
  /** The view to answer in (default goemotions); the API's cache derives it from the cached fine result. */
  readonly taxonomy?: Taxonomy;
  /** Epoch ms the request arrived; the deadline runs from here. */
  readonly receivedAt: number;
  /** Where the tenant's rate-limit state after this call goes (the response's RateLimit headers). */
  readonly rateLimit?: RateLimitSlot;
}

@Injectable()
export class ClassifyService {
  constructor(
    @Inject(CLASSIFIER) private readonly classifier: Classifier,
    @Inject(BACKLOG_GATE) private readonly gate: Pick<BacklogGate, 'admit'>,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'engine' | 'api'>,
    @Inject(TenantQuota) private readonly quota: Pick<TenantQuota, 'admit' | 'refund'> = ADMIT_ALL,
    @Optional() @Inject(API_METRICS) private readonly metrics?: Pick<ApiMetrics, 'tenantCacheHits'>,
  ) {}

  /** One outcome per text, in input order; 504 DEADLINE_EXCEEDED (naming the job) past the deadline. */
  async classify(tenant: Tenant, call: ClassifyCall): Promise<ClassifyOutcome[]> {
    checkTextLengths(call.texts, this.config);
    await this.gate.admit('interactive');
    // The tenant travels in the fleet's own options (a cache in front passes them through).
    const options: FleetClassifyOptions & ApiCacheClassifyOptions = {
      priority: 'interactive',
      includeScores: call.includeScores,
      ...(call.taxonomy && call.taxonomy !== 'goemotions' ? { taxonomy: call.taxonomy } : {}),
      deadlineAt: call.receivedAt + this.config.api.classifyDeadlineMs,
      tenant: tenant.id,
      tenantMaxQueuedTexts: tenant.limits.maxQueuedTexts || undefined, // 0: off
      // Texts the API's result cache answers count as this tenant's hits.
      onCacheHits: (texts: number) => this.metrics?.tenantCacheHits(tenant.id, texts),
    };
    // The tenant's rate counts every text of the call, cached or not (after the gate: a call the
    // queue refuses spends none of the tenant's rate).
    try {
      return await spendWithin(this.quota, tenant, call.texts.length, () => this.classifier.classify(call.texts, options), call.rateLimit);
    } catch (e) {
      if (e instanceof JobDeadlineError && e.tenant !== tenant.id) throw new AppError('DEADLINE_EXCEEDED');
      throw e;
    }
  }
}
