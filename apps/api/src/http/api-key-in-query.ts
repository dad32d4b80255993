// Only the Authorization header authenticates. A key in the URL ends up in access logs, proxy
// logs, browser history and Referer headers, so a request whose query string has a parameter
// named like a key is refused (400 API_KEY_IN_QUERY) on every route before authentication, and
// the value is redacted wherever the URL is logged.
import { AppError } from '@emo/contracts';
import type { FastifyInstance } from 'fastify';

/** Query parameter names taken for a key, compared case-insensitively after percent-decoding. */
export const KEY_QUERY_PARAMS: ReadonlySet<string> = new Set(['api_key', 'apikey', 'api-key', 'key', 'token', 'access_token']);

export const REDACTED = '[REDACTED]';

function paramName(pair: string): string {
  const raw = pair.split('=', 1)[0].replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

const queryOf = (url: string): string | undefined => {
  const at = url.indexOf('?');
  return at < 0 ? undefined : url.slice(at + 1).split('#', 1)[0];
};

export function hasKeyInQuery(url: string): boolean {
  const query = queryOf(url);
  return query !== undefined && query.split('&').some((pair) => KEY_QUERY_PARAMS.has(paramName(pair)));
}

/** The URL with the value of every key-like parameter replaced; the rest is kept as sent. */
export function redactQueryKeys(url: string): string {
  const query = queryOf(url);
  if (query === undefined || !hasKeyInQuery(url)) return url;
  const redacted = query
    .split('&')
    .map((pair) => (KEY_QUERY_PARAMS.has(paramName(pair)) ? `${pair.split('=', 1)[0]}=${REDACTED}` : pair))
    .join('&');
  return `${url.slice(0, url.indexOf('?'))}?${redacted}`;
}

/** Refuses a key in the query string on every route (Nest's or not), before any guard runs. */
export function registerApiKeyInQueryRefusal(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!hasKeyInQuery(request.url)) return;
    const err = new AppError('API_KEY_IN_QUERY');
    await reply.code(err.httpStatus).type('application/json').send(err.toBody());
    return reply;
  });
}
