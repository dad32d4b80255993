// Answers a Fastify route of the admin pages (not a Nest route, so no AppErrorFilter) with the
// project's error body: `{"error":{"code","message"[,"details"]}}` and the registry's status; a
// retryable 503 (queue Redis down: sessions live there) carries Retry-After like the filter's.
import type { FastifyReply } from 'fastify';
import { toAppError } from '../http/to-app-error';

export async function replyWithAppError(reply: FastifyReply, error: unknown, unavailableRetryAfterSeconds: number): Promise<FastifyReply> {
  const err = toAppError(error);
  if (err.httpStatus === 503 && err.retryable) reply.header('retry-after', String(unavailableRetryAfterSeconds));
  return reply.code(err.httpStatus).type('application/json').send(err.toBody());
}
