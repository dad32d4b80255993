// Maps anything thrown while serving a request onto a registry code: AppErrors as they are,
// Nest HTTP exceptions and Fastify's own errors (body too large, bad JSON, unparsable Content-Type) by status,
// and queue Redis failures (down, hung, out of memory) as 503 QUEUE_UNAVAILABLE.
import { HttpException } from '@nestjs/common';
import { AppError, type ErrorCode } from '@emo/contracts';
import { queueUnavailableError } from '@emo/queue';
import { STREAMED_TYPES } from '../backfills/backfills.dto';
import { JSON_MEDIA_TYPE } from './accepts.decorator';

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'REQUEST_INVALID',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'REQUEST_INVALID',
  429: 'OVERLOADED',
};

/**
 * Fastify's own 415 (Nest hands it over as an HttpException, its code gone): a Content-Type header
 * that is not a valid media type. Any valid type reaches the route, whose @Accepts names its own.
 */
const invalidMediaType = () =>
  new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    `The Content-Type header is not a valid media type: send ${JSON_MEDIA_TYPE} (POST /v1/classify, POST /v1/jobs) or, to POST /v1/backfills, ${Object.keys(STREAMED_TYPES).join(', ')}`,
  );

export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  const status = exception instanceof HttpException ? exception.getStatus() : (exception as { statusCode?: unknown } | null)?.statusCode;
  const message = exception instanceof Error ? exception.message : String(exception);
  if (status === 415) return invalidMediaType();
  if (typeof status === 'number' && BY_STATUS[status]) return new AppError(BY_STATUS[status], message);
  const unavailable = queueUnavailableError(exception);
  if (unavailable) return unavailable;
  return new AppError('INTERNAL', 'Internal error', undefined, { cause: exception });
}
