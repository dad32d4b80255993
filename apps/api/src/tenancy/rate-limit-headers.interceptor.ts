// Puts `RateLimit` and `RateLimit-Policy` on the successful response of every call whose service
// asked TenantQuota.admit (routes that do not, and tenants without a rate, get none). A refused
// call gets them from the error filter instead, with Retry-After.
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
    return result.pipe(
      tap(() => {
        const f = fields();
        if (f) setRateLimitHeaders(context.switchToHttp().getResponse<FastifyReply>(), f);
      }),
    );
  }
}
