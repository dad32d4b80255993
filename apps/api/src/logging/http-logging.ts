// What the API's logs say of a request: its id (X-Request-Id from the caller when it is printable
// ASCII of at most 128 characters, else a new UUID; echoed in every response), its URL with the
// value of any key-like query parameter redacted (those requests are refused), the level of its
// line (2xx info, 4xx warn, 5xx error, except the answers that are expected outcomes under faults
// and load, 503 QUEUE_UNAVAILABLE and 504 DEADLINE_EXCEEDED: warn); its error is written by the
// logger's own serializer (a registry error by its code, without a stack). Nest's own logs go through nestjs-pino's Logger on the same pino
// logger (nestLogger); the access lines are written by access-log.ts.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
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

/**
 * 503 and 504 are the fleet saying "not now" (Redis down, deadline passed): the client retries;
 * nothing to page on. A 4xx is the caller's mistake or a refusal (warn) whatever error it carries;
 * an error behind a success status is ours (error).
 */
export function httpLogLevel(statusCode: number, err: unknown): 'info' | 'warn' | 'error' {
  if (statusCode === 503 || statusCode === 504) return 'warn';
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'warn';
  return err ? 'error' : 'info';
}

/** Nest's own log lines (start-up, its exception handlers) on the app's pino logger, through nestjs-pino's Logger. */
export function nestLogger(logger: Logger): LoggerService {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger } }), {});
}
