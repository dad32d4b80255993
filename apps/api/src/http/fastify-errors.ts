// Fastify's own answers, routed through the one error shape `{"error":{"code","message"}}` with
// the status of the registry: URLs that do not decode (400), path parameters over maxParamLength
// (414), and what Node's HTTP parser refuses before any route runs (431 headers too large, 400
// malformed request, 408 timeout), which is written straight to the socket. The router's refusals
// run no hook and no middleware, so the access log never sees them: they get their own line here,
// in the access log's shape (a key in the query string redacted by its serializer).
import type { Socket } from 'node:net';
import { AppError, decodeUtf8Escaped, type ErrorCode } from '@emo/contracts';
import type { Logger } from '@emo/profiler';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { httpRequestSerializer, REQUEST_ID_HEADER } from '../logging/http-logging';

/** Longest URL path parameter (job ids are UUIDs, backfill ids at most 128 characters). */
export const MAX_PARAM_LENGTH = 256;

export function fastifyErrorOptions(
  logger?: Pick<Logger, 'warn'>,
): Pick<FastifyServerOptions, 'routerOptions' | 'frameworkErrors' | 'clientErrorHandler'> {
  return {
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors(error: Error & { code?: string }, req: FastifyRequest, reply: FastifyReply) {
      const err =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new AppError('URI_TOO_LONG', `A path parameter is over ${MAX_PARAM_LENGTH} characters`)
          : error.code === 'FST_ERR_BAD_URL'
            ? new AppError('REQUEST_MALFORMED', 'The URL is not validly percent-encoded')
            : new AppError('INTERNAL');
      logger?.warn(
        {
          requestId: req.id,
          req: httpRequestSerializer({ id: req.id, method: req.method, url: req.raw.url ?? req.url }),
          res: { statusCode: err.httpStatus },
          err,
        },
        'request refused by the router',
      );
      void reply.code(err.httpStatus).header(REQUEST_ID_HEADER, req.id).type('application/json').send(err.toBody());
    },
    clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const code: ErrorCode =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? 'HEADERS_TOO_LARGE'
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? 'REQUEST_TIMEOUT'
            : 'REQUEST_MALFORMED';
      const err = new AppError(code);
      const status = err.httpStatus;
      const body = JSON.stringify(err.toBody());
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy(error);
    },
  };
}

const statusText = (status: number): string =>
  ({ 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' })[status] ?? 'Error';

/**
 * JSON bodies are decoded with decodeUtf8Escaped instead of a lenient decoder: bytes that are not
 * UTF-8 become lone surrogates, so only the texts that held them fail (TEXT_INVALID_UTF8), and a
 * genuine U+FFFD in a text is classified like any character. Needs NestFactory's bodyParser off.
 * A body of a media type no parser knows (or without a Content-Type) is left unread and the route
 * decides: a route that takes a body answers 415 UNSUPPORTED_MEDIA_TYPE with the types it accepts
 * (@Accepts), after authentication, instead of Fastify's 415 that knows neither.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  if (fastify.hasContentTypeParser('application/json')) fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    parse(req, decodeUtf8Escaped(body as Buffer), done);
  });
  if (!fastify.hasContentTypeParser('*')) fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
}
