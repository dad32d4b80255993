// Fastify's own refusals in the one error shape, invalid UTF-8 found on the bytes of JSON bodies
// (a genuine U+FFFD is a character), and the jobs routes not serving backfill records. Real Redis,
// real HTTP for what only a socket shows (431), Fastify inject for the rest.
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { AppError, checkText, type Classifier, type ClassifyOutcome } from '@emo/contracts';
import { describe, expect, inject, it } from 'vitest';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';

/** Checks texts the way the engine does (checkText), then labels them. */
const engineLike: Classifier = {
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    return texts.map((t) => {
      try {
        checkText(t, { maxTextChars: 1000, longTextPolicy: 'truncate' });
        return { labels: [{ label: 'neutral', score: 0.9 }], model: 'fake@1' };
      } catch (e) {
        const err = AppError.fromPlain(e);
        return { error: { code: err.code, message: err.message } };
      }
    });
  },
};

/** Sends raw bytes on a socket and returns the status line and body of the answer. */
function rawRequest(port: number, head: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const [headers, body = ''] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1]);
      if (!status) reject(new Error(`no HTTP answer: ${data.slice(0, 200)}`));
      else resolve({ status, body });
    });
    socket.write(head);
  });
}

describe.skipIf(!inject('redisAvailable'))('HTTP errors and bodies', () => {
  const h = useApiTestHarness('http', { JOB_CHUNK_SIZE: '4', CACHE_ENABLED: 'false' });
  const start = async () => {
    const api = await h.start();
    h.startConsumer(engineLike, { interactive: 2, bulk: 2 });
    return api;
  };
  const request = h.request;

  it("answers Fastify's own refusals (bad URL, long path parameter, bad JSON) as {error:{code,message}} with the registry's status", async () => {
    await start();
    const badUrl = await request({ method: 'GET', url: '/v1/jobs/%E0%A4%A', headers: auth });
    expect([badUrl.statusCode, badUrl.json()]).toEqual([400, { error: { code: 'REQUEST_MALFORMED', message: expect.any(String) } }]);
    const longParam = await request({ method: 'GET', url: `/v1/jobs/${'a'.repeat(300)}`, headers: auth });
    expect([longParam.statusCode, longParam.json()]).toEqual([414, { error: { code: 'URI_TOO_LONG', message: expect.any(String) } }]);
    const badJson = await request({
      method: 'POST',
      url: '/v1/jobs',
      payload: '{"items": [',
      headers: { ...auth, 'content-type': 'application/json' },
    });
    expect([badJson.statusCode, badJson.json().error.code]).toEqual([422, 'REQUEST_INVALID']);
  });

  it('answers headers over the limit with 431 HEADERS_TOO_LARGE and a malformed request with 400 REQUEST_MALFORMED, on a real socket', async () => {
    const app = await start();
    await app.app.listen(0, '127.0.0.1');
    const port = (app.app.getHttpServer().address() as { port: number }).port;
    const big = await rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect([big.status, JSON.parse(big.body)]).toEqual([431, { error: { code: 'HEADERS_TOO_LARGE', message: expect.any(String) } }]);
    const garbage = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect([garbage.status, JSON.parse(garbage.body).error.code]).toEqual([400, 'REQUEST_MALFORMED']);
  });

  it('classifies a text holding a genuine U+FFFD and fails only the text whose bytes are not UTF-8', async () => {
    await start();
    const body = Buffer.concat([
      Buffer.from('{"items":[{"id":"real","text":"caf\u00e9 \uFFFD ok"},{"id":"bad","text":"caf'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"},{"id":"surrogate","text":"x\\ud800"}],"priority":"interactive"}'),
    ]);
    const res = await request({ method: 'POST', url: '/v1/jobs', payload: body, headers: { ...auth, 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(202);
    const id = res.json().job_id as string;
    await expect
      .poll(async () => (await request({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth })).json().state, { timeout: 10_000 })
      .toBe('completed');
    const lines = (await request({ method: 'GET', url: `/v1/jobs/${id}/results`, headers: auth })).body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; error?: { code: string } });
    expect(lines.map((l) => [l.id, l.error?.code ?? 'ok'])).toEqual([
      ['real', 'ok'],
      ['bad', 'TEXT_INVALID_UTF8'],
      ['surrogate', 'TEXT_INVALID_UTF8'],
    ]);
  });

  it('does not serve backfill records through /v1/jobs', async () => {
    await start();
    const up = await request({
      method: 'POST',
      url: '/v1/backfills?id=hidden',
      payload: Readable.from(['{"text":"hello"}\n']),
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
    });
    expect(up.statusCode).toBe(202);
    expect((await request({ method: 'GET', url: '/v1/backfills/hidden', headers: auth })).statusCode).toBe(200);
    for (const [method, url] of [
      ['GET', '/v1/jobs/bf-hidden'],
      ['GET', '/v1/jobs/bf-hidden/results'],
      ['DELETE', '/v1/jobs/bf-hidden'],
    ] as const) {
      const res = await request({ method, url, headers: auth });
      expect([url, res.statusCode, res.json().error.code]).toEqual([url, 404, 'JOB_NOT_FOUND']);
    }
  });
});
