// nestjs-pino for the API: one pino logger (redacting texts and secrets, LOG_LEVEL) for Nest's
// own logs and a child per request carrying its request id (X-Request-Id from the caller when it
// is printable ASCII of at most 128 characters, else a new UUID; echoed in every response). URLs
// are logged with the value of any key-like query parameter redacted (those requests are refused). One line per completed request at info, 4xx warn, 5xx error,
// except the answers that are expected outcomes under faults and load (503 QUEUE_UNAVAILABLE, 504
// DEADLINE_EXCEEDED): warn, and a registry error is logged by its code without a stack.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { stdSerializers } from 'pino';
import { AppError } from '@emo/contracts';
import type { Logger } from '@emo/profiler';
import { redactQueryKeys } from '../http/api-key-in-query';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Printable ASCII (space to ~), 1-128 characters: safe to echo in a header and to log. */
const VALID_REQUEST_ID = /^[\x20-\x7e]{1,128}$/;

const REQUEST_ID = Symbol('emo.requestId');
type WithRequestId = IncomingMessage & { [REQUEST_ID]?: string };

/**
 * The request's id: the caller's X-Request-Id when valid, else a new UUID, decided once per
 * request. Fastify's genReqId (request.id, echoed by registerRequestIdEcho) and the access log's
 * both call it, so the two agree.
 */
export function requestIdOf(req: IncomingMessage): string {
  const known = (req as WithRequestId)[REQUEST_ID];
  if (known !== undefined) return known;
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID();
  (req as WithRequestId)[REQUEST_ID] = id;
  return id;
}

/** X-Request-Id on every answer, errors included (set first, so hooks that answer early send it too). */
export function registerRequestIdEcho(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}

/** What the access log keeps of a request. */
export function httpRequestSerializer(req: { id?: unknown; method?: string; url?: string }): {
  id: unknown;
  method?: string;
  url?: string;
} {
  return { id: req.id, method: req.method, url: req.url === undefined ? undefined : redactQueryKeys(req.url) };
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
      genReqId: requestIdOf,
      customAttributeKeys: { reqId: 'requestId' },
      customLogLevel: (_req, res, err) => httpLogLevel(res.statusCode, err),
      // Health and metrics are scraped every few seconds: not worth a line each.
      autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? '') },
      serializers: {
        req: httpRequestSerializer,
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: httpErrorSerializer,
      },
    },
  });
}
