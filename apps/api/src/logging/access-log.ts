// The API's access log: one line per answered request, written by a Fastify onResponse hook on the
// app's root pino logger. No child logger, middleware or AsyncLocalStorage per request (pino-http
// under nestjs-pino's middleware cost /v1/classify about a fifth of its API CPU, and its
// AsyncLocalStorage turned on promise hooks for every promise of the process: ADR 019, "Sixth
// look"). The line is built only when its level is on (httpLogLevel: 2xx info, 4xx and the
// expected 503/504 warn, other 5xx error); health, readiness and metrics scrapes get none.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@emo/profiler';
import { httpLogLevel, httpRequestSerializer } from './http-logging';

/** Scraped every few seconds: not worth a line each. */
const SCRAPES = /^\/(healthz|readyz|metrics)\b/;

/** The error each request was answered with (noted by the error filter), for its line's `err`. */
const answeredWith = new WeakMap<FastifyRequest, unknown>();

/** Notes the error `request` is answered with: its access line then carries it (a registry error by its code). */
export function noteAnswerError(request: FastifyRequest, err: unknown): void {
  answeredWith.set(request, err);
}

export type AccessLogger = Pick<Logger, 'isLevelEnabled' | 'info' | 'warn' | 'error'>;

/** Logs the answer of `request`, if its level is on and it is not a scrape. */
export function logAnswer(logger: AccessLogger, request: FastifyRequest, reply: FastifyReply): void {
  const url = request.raw.url ?? request.url;
  if (SCRAPES.test(url)) return;
  const err = answeredWith.get(request);
  const level = httpLogLevel(reply.statusCode, err);
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      requestId: request.id,
      req: httpRequestSerializer({ id: request.id, method: request.method, url }),
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime),
      ...(err === undefined ? {} : { err }),
    },
    level === 'info' ? 'request completed' : 'request errored',
  );
}

/** One access line per answered request (the router's own refusals log theirs in fastify-errors.ts). */
export function registerAccessLog(fastify: FastifyInstance, logger: AccessLogger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    logAnswer(logger, request, reply);
    done();
  });
}
