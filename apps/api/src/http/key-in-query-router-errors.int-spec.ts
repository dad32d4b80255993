// Issue 15 (5): a key in the query string of a request the router refuses before any hook runs
// (a path parameter over MAX_PARAM_LENGTH: 414; a URL that does not decode: 400) is answered
// with that error, serves nothing, and is redacted from every log line, like any other.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, inject, it } from 'vitest';
import type { Logger } from '@emo/profiler';
import { testAuth, useApiTestHarness } from '../testing/api-test-harness';
import { MAX_PARAM_LENGTH } from './fastify-errors';

/** A logger that keeps every line it writes (debug and up: every line a deployment could turn on). */
function capturingLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream) as unknown as Logger, text: () => chunks.join('') };
}

describe.skipIf(!inject('redisAvailable'))('A key in the query string of a URL the router refuses', () => {
  const harness = useApiTestHarness('key-in-query-router');

  it('answers 414 URI_TOO_LONG and 400 REQUEST_MALFORMED and logs the URL with the key redacted', async () => {
    const log = capturingLogger();
    await harness.start({}, { logger: log.logger });
    const secret = 'leaked-key-0123456789';
    const longId = 'j'.repeat(MAX_PARAM_LENGTH + 1);
    const cases: [string, number, string][] = [
      [`/v1/jobs/${longId}?api_key=${secret}`, 414, 'URI_TOO_LONG'],
      [`/v1/jobs/${longId}/results?x=1&Token=${secret}`, 414, 'URI_TOO_LONG'],
      [`/v1/jobs/%E0%A4%A?api_key=${secret}`, 400, 'REQUEST_MALFORMED'],
      [`/v1/jobs/%zz/results?%61ccess_token=${secret}`, 400, 'REQUEST_MALFORMED'],
    ];
    for (const [url, status, code] of cases) {
      const res = await harness.request({ method: 'GET', url, headers: { ...testAuth, 'x-request-id': `case-${status}` } });
      expect([res.statusCode, res.json()], url).toEqual([status, { error: { code, message: expect.any(String) } }]);
      expect(res.headers['x-request-id'], url).toBe(`case-${status}`);
    }
    const text = log.text();
    expect(text).not.toContain(secret);
    // Each refusal has its line, with the URL as sent but the key's value redacted.
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { req?: { url?: string; id?: string }; res?: { statusCode?: number }; err?: { code?: string } })
      .filter((l) => l.req?.url?.startsWith('/v1/jobs/'));
    expect(lines.map((l) => [l.req?.url, l.req?.id, l.res?.statusCode, l.err?.code])).toEqual([
      [`/v1/jobs/${longId}?api_key=[REDACTED]`, 'case-414', 414, 'URI_TOO_LONG'],
      [`/v1/jobs/${longId}/results?x=1&Token=[REDACTED]`, 'case-414', 414, 'URI_TOO_LONG'],
      ['/v1/jobs/%E0%A4%A?api_key=[REDACTED]', 'case-400', 400, 'REQUEST_MALFORMED'],
      ['/v1/jobs/%zz/results?%61ccess_token=[REDACTED]', 'case-400', 400, 'REQUEST_MALFORMED'],
    ]);
  });
});
