// Puts `RateLimit` and `RateLimit-Policy` on the answer of every call whose service asked
// TenantQuota.admit (routes that do not, and tenants without a rate, get none), errors included. A
// call the rate limit refused also gets them from the error filter, with Retry-After.
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type Observable, tap } from 'rxjs';
import { TenantQuota, type RateLimitFields } from './tenant-quota';

export function setRateLimitHeaders(reply: FastifyReply, fields: RateLimitFields): void {
  if (reply.sent) return;
  reply.header('ratelimit-policy', fields.policy);
  reply.header('ratelimit', fields.rateLimit);
}

@Injectable()
export class RateLimitHeadersInterceptor implements NestInterceptor {
  constructor(@Inject(TenantQuota) private readonly quota: Pick<TenantQuota, 'track'>) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    // handle() binds the handler to the async context it is called in: the call's slot.
    const { result, fields } = this.quota.track(() => next.handle());
    const setHeaders = () => {
      const f = fields();
      if (f) setRateLimitHeaders(context.switchToHttp().getResponse<FastifyReply>(), f);
    };
    // On an error too (a 504 after admission, a backlog refusal): the filter sends what is set here.
    return result.pipe(tap({ next: setHeaders, error: setHeaders }));
  }
}
