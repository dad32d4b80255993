// Puts `RateLimit` and `RateLimit-Policy` on the answer of a call whose service asked
// TenantQuota.admit (routes that do not, and tenants without a rate, get none), errors included. A
// call the rate limit refused also gets them from the error filter, with Retry-After.
//
// Asked for by the routes that admit texts (POST /v1/classify, POST /v1/jobs), not by a global Nest
// interceptor: any interceptor puts every route of the API through rxjs and AsyncResource.bind,
// which cost /v1/classify about a third of its API CPU at 64 clients (ADR 019).
import type { FastifyReply } from 'fastify';
import type { RateLimitFields, RateLimitSlot } from './tenant-quota';

export function setRateLimitHeaders(reply: FastifyReply, fields: RateLimitFields): void {
  if (reply.sent) return;
  reply.header('ratelimit-policy', fields.policy);
  reply.header('ratelimit', fields.rateLimit);
}

/**
 * Runs `call` with a fresh RateLimitSlot (its service passes it to TenantQuota) and sets the
 * rate-limit headers of what it admitted on `reply`, whether it succeeds or throws (the error
 * filter then sends them with the error).
 */
export async function withRateLimitHeaders<T>(reply: FastifyReply, call: (slot: RateLimitSlot) => Promise<T>): Promise<T> {
  const slot: RateLimitSlot = {};
  try {
    return await call(slot);
  } finally {
    if (slot.fields) setRateLimitHeaders(reply, slot.fields);
  }
}
