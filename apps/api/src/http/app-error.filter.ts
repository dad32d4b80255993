// The one place where errors become HTTP: status from the error registry, body
// `{ error: { code, message[, details] } }`, Retry-After on 429 and on retryable 503s.
import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { AppConfig } from '@emo/config';
import type { Logger } from '@emo/profiler';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, APP_LOGGER } from '../tokens';
import { toAppError } from './to-app-error';

@Catch()
export class AppErrorFilter implements ExceptionFilter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const err = toAppError(exception);
    if (err.code === 'INTERNAL') this.logger.error({ err: exception }, 'unhandled error');
    if (err.code === 'OVERLOADED') reply.header('retry-after', String(this.config.api.overloadRetryAfterSeconds));
    if (err.httpStatus === 503 && err.retryable) reply.header('retry-after', String(this.config.api.unavailableRetryAfterSeconds));
    if (reply.sent) return;
    reply.status(err.httpStatus).type('application/json').send(err.toBody());
  }
}
