// nestjs-pino for the API: one pino logger (redacting texts and secrets, LOG_LEVEL) for Nest's
// own logs and a child per request carrying its request id (X-Request-Id from the caller, or a
// new UUID, echoed in the response). One line per completed request at info, 4xx warn, 5xx error,
// except the answers that are expected outcomes under faults and load (503 QUEUE_UNAVAILABLE, 504
// DEADLINE_EXCEEDED): warn, and a registry error is logged by its code without a stack.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { stdSerializers } from 'pino';
import { AppError } from '@emo/contracts';
import type { Logger } from '@emo/profiler';

export const REQUEST_ID_HEADER = 'x-request-id';

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** 503 and 504 are the fleet saying "not now" (Redis down, deadline passed): the client retries; nothing to page on. */
export function httpLogLevel(statusCode: number, err: unknown): 'info' | 'warn' | 'error' {
  if (statusCode === 503 || statusCode === 504) return 'warn';
  if (err || statusCode >= 500) return 'error';
  return statusCode >= 400 ? 'warn' : 'info';
}

/** Registry errors carry their meaning in the code; unexpected errors keep their stack. */
export function httpErrorSerializer(err: unknown): unknown {
  if (err instanceof AppError) return { type: err.name, code: err.code, message: err.message };
  return err instanceof Error ? stdSerializers.err(err) : err;
}

export function httpLoggingModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      logger,
      genReqId: requestId,
      customAttributeKeys: { reqId: 'requestId' },
      customLogLevel: (_req, res, err) => httpLogLevel(res.statusCode, err),
      // Health and metrics are scraped every few seconds: not worth a line each.
      autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? '') },
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: httpErrorSerializer,
      },
    },
  });
}
