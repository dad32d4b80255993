// Issue 15 (5), what the API exposes, on the real Redis: a key in the query string is refused on
// every route and never logged; X-Request-Id is echoed (or generated) on every answer and is the
// log's request id; /docs is public, admin-only or off by API_DOCS; /metrics moves to its own port
// with API_METRICS_PORT.
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, inject, it } from 'vitest';
import type { Logger } from '@emo/profiler';
import { TEST_API_KEY, testAuth, useApiTestHarness } from '../testing/api-test-harness';

const ADMIN_KEY = 'admin-key-0123456789';
const adminAuth = { authorization: `Bearer ${ADMIN_KEY}` };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A logger that keeps every line it writes. */
function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'info' }, stream) as unknown as Logger;
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(!inject('redisAvailable'))('What the API exposes (issue 15)', () => {
  const harness = useApiTestHarness('exposure', { API_KEYS: `${TEST_API_KEY},${ADMIN_KEY}`, API_ADMIN_KEYS: ADMIN_KEY });

  describe('keys in the query string', () => {
    it('refuses them on every route with 400 API_KEY_IN_QUERY, even next to a valid header, and never logs them', async () => {
      const log = capturingLogger();
      await harness.start({}, { logger: log.logger });
      const secret = 'leaked-key-0123456789';
      const urls = [
        `/v1/jobs/some-job?api_key=${secret}`,
        `/healthz?Token=${secret}`,
        `/v1/classify?x=1&access_token=${secret}`,
        `/no-such-route?%61pikey=${secret}`,
        `/docs?key=${secret}`,
      ];
      for (const url of urls) {
        const res = await harness.request({
          method: url.startsWith('/v1/classify') ? 'POST' : 'GET',
          url,
          headers: testAuth,
          payload: url.startsWith('/v1/classify') ? { texts: ['hi'] } : undefined,
        });
        expect(res.statusCode, url).toBe(400);
        expect(res.json(), url).toEqual({ error: { code: 'API_KEY_IN_QUERY', message: expect.any(String) } });
      }
      // An ordinary parameter that merely contains the word is not a key.
      expect(
        (await harness.request({ method: 'GET', url: '/v1/jobs/x/results?offset=0&monkey=1', headers: testAuth })).statusCode,
      ).not.toBe(400);

      const logged = log.lines().filter((l) => (l.req as { url?: string } | undefined)?.url?.includes('REDACTED'));
      expect(logged.map((l) => (l.req as { url: string }).url)).toContain('/v1/jobs/some-job?api_key=[REDACTED]');
      expect(log.text()).not.toContain(secret);
    });
  });

  describe('X-Request-Id', () => {
    it("echoes the caller's printable id on success and on errors, and logs the request under it", async () => {
      const log = capturingLogger();
      await harness.start({}, { logger: log.logger });
      const id = 'req 42/abc+def=';
      const answers = [
        await harness.request({ method: 'GET', url: '/v1/jobs/nope', headers: { ...testAuth, 'x-request-id': id } }), // 404
        await harness.request({ method: 'GET', url: '/v1/jobs/nope', headers: { 'x-request-id': id } }), // 401
        await harness.request({ method: 'GET', url: '/v1/profile', headers: { ...testAuth, 'x-request-id': id } }), // 403
        await harness.request({ method: 'GET', url: '/no-such-route', headers: { 'x-request-id': id } }), // 404
        await harness.request({ method: 'GET', url: '/healthz?token=x', headers: { 'x-request-id': id } }), // 400
        await harness.request({
          method: 'POST',
          url: '/v1/jobs',
          headers: { ...testAuth, 'x-request-id': id },
          payload: { items: [{ text: 'hi' }] },
        }),
      ];
      expect(answers.map((r) => r.statusCode)).toEqual([404, 401, 403, 404, 400, 202]);
      for (const res of answers) expect(res.headers['x-request-id'], String(res.statusCode)).toBe(id);
      const line = log.lines().find((l) => (l.req as { url?: string } | undefined)?.url === '/v1/jobs/nope');
      expect((line?.req as { id?: string } | undefined)?.id).toBe(id);
    });

    it('generates one when the caller sends none, or one that is too long or not printable', async () => {
      await harness.start();
      for (const given of [undefined, 'x'.repeat(129), 'tab\there', 'caf\u00e9']) {
        const headers = given === undefined ? testAuth : { ...testAuth, 'x-request-id': given };
        const res = await harness.request({ method: 'GET', url: '/v1/jobs/nope', headers });
        expect(res.headers['x-request-id'], String(given)).toMatch(UUID);
      }
      expect(
        (await harness.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'x'.repeat(128) } })).headers['x-request-id'],
      ).toBe('x'.repeat(128));
    });
  });

  describe('/docs by API_DOCS', () => {
    it('admin: only an admin key reads the docs (401 without a key, 403 SCOPE_MISSING without the scope)', async () => {
      await harness.start({ API_DOCS: 'admin' });
      for (const url of ['/docs', '/docs/openapi.json', '/docs/openapi.yaml']) {
        expect((await harness.request({ method: 'GET', url })).json().error.code, url).toBe('UNAUTHORIZED');
        const plain = await harness.request({ method: 'GET', url, headers: testAuth });
        expect([plain.statusCode, plain.json().error.code], url).toEqual([403, 'SCOPE_MISSING']);
        expect((await harness.request({ method: 'GET', url, headers: adminAuth })).statusCode, url).toBe(200);
      }
      // Nothing of the docs outside /docs/ (Swagger's default /docs-json and /docs-yaml).
      for (const url of ['/docs-json', '/docs-yaml']) expect((await harness.request({ method: 'GET', url })).statusCode, url).toBe(404);
      const spec = await harness.request({ method: 'GET', url: '/docs/openapi.json', headers: adminAuth });
      expect(spec.json().paths).toHaveProperty('/v1/jobs/{id}/results');
    });

    it('off: not served at all, even to an admin key', async () => {
      await harness.start({ API_DOCS: 'off' });
      for (const url of ['/docs', '/docs/openapi.json'])
        expect((await harness.request({ method: 'GET', url, headers: adminAuth })).statusCode, url).toBe(404);
    });

    it('public (the default): open to anyone', async () => {
      await harness.start();
      expect((await harness.request({ method: 'GET', url: '/docs/openapi.json' })).statusCode).toBe(200);
    });
  });

  describe('/metrics on API_METRICS_PORT', () => {
    it('serves /metrics on its own port only: the API port answers 404', async () => {
      const port = await freePort();
      const api = await harness.start({ API_METRICS_PORT: String(port), HOST: '127.0.0.1' });
      expect(api.metricsServer?.port).toBe(port);
      await harness.request({ method: 'GET', url: '/healthz' });
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('# TYPE');
      expect((await fetch(`http://127.0.0.1:${port}/v1/jobs`)).status).toBe(404);
      const onApiPort = await harness.request({ method: 'GET', url: '/metrics' });
      expect(onApiPort.statusCode).toBe(404);
    });

    it('serves /metrics on the API port when API_METRICS_PORT is unset', async () => {
      const api = await harness.start();
      expect(api.metricsServer).toBeUndefined();
      expect((await harness.request({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    });
  });
});
