// Maps anything thrown while serving a request onto a registry code: AppErrors as they are,
// Nest HTTP exceptions and Fastify's own errors (body too large, bad JSON, wrong media type) by status,
// and queue Redis failures (down, hung, out of memory) as 503 QUEUE_UNAVAILABLE.
import { HttpException } from '@nestjs/common';
import { AppError, type ErrorCode } from '@emo/contracts';
import { queueUnavailableError } from '@emo/queue';

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'REQUEST_INVALID',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'REQUEST_INVALID',
  422: 'REQUEST_INVALID',
  429: 'OVERLOADED',
};

export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  const status = exception instanceof HttpException ? exception.getStatus() : (exception as { statusCode?: unknown } | null)?.statusCode;
  const message = exception instanceof Error ? exception.message : String(exception);
  if (typeof status === 'number' && BY_STATUS[status]) return new AppError(BY_STATUS[status], message);
  const unavailable = queueUnavailableError(exception);
  if (unavailable) return unavailable;
  return new AppError('INTERNAL', 'Internal error', undefined, { cause: exception });
}
