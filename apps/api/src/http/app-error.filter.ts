// The one place where errors become HTTP: status from the error registry, body
// `{ error: { code, message[, details] } }`, Retry-After on 429 and on retryable 503s, and on a
// tenant's quota refusals (RATE_LIMITED, TENANT_BACKLOG_FULL) the Retry-After its details give
// plus, for the rate limit, the RateLimit / RateLimit-Policy headers (tenancy/tenant-quota.ts).
// 429s are counted per tenant.
import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { AppConfig } from '@emo/config';
import type { Logger } from '@emo/profiler';
import type { FastifyReply } from 'fastify';
import type { ApiMetrics } from '../metrics/api-metrics';
import { noteAnswerError } from '../logging/access-log';
import { setRateLimitHeaders } from '../tenancy/rate-limit-headers';
import type { TenantRequest } from '../tenancy/tenant-auth.guard';
import { fieldsOfDetails } from '../tenancy/tenant-quota';
import { API_METRICS, APP_CONFIG, APP_LOGGER } from '../tokens';
import { toAppError } from './to-app-error';

@Catch()
export class AppErrorFilter implements ExceptionFilter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(API_METRICS) private readonly metrics: Pick<ApiMetrics, 'tenantRefused'>,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const err = toAppError(exception);
    const request = http.getRequest<TenantRequest | undefined>();
    if (request) noteAnswerError(request, err.code === 'INTERNAL' ? exception : err);
    if (err.code === 'INTERNAL') this.logger.error({ err: exception }, 'unhandled error');
    if (err.code === 'OVERLOADED') reply.header('retry-after', String(this.config.api.overloadRetryAfterSeconds));
    if (err.httpStatus === 503 && err.retryable) reply.header('retry-after', String(this.config.api.unavailableRetryAfterSeconds));
    if (err.code === 'RATE_LIMITED' || err.code === 'TENANT_BACKLOG_FULL') {
      const retry = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      reply.header('retry-after', String(typeof retry === 'number' ? retry : this.config.api.overloadRetryAfterSeconds));
      const fields = fieldsOfDetails(err.details);
      if (fields) setRateLimitHeaders(reply, fields);
    }
    if (err.httpStatus === 429) {
      const tenant = request?.tenant;
      if (tenant) this.metrics.tenantRefused(tenant.id, err.code);
    }
    if (reply.sent) return;
    reply.status(err.httpStatus).type('application/json').send(err.toBody());
  }
}
