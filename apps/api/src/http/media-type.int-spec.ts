// 415 UNSUPPORTED_MEDIA_TYPE: a JSON route (POST /v1/classify, POST /v1/jobs) refuses a body
// without a Content-Type or of another media type, naming application/json; the backfill upload
// keeps its own types (NDJSON, CSV, TSV) and names those. Authentication answers first. The real
// API over Fastify inject and over a real socket, on the real Redis.
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { describe, expect, inject, it } from 'vitest';
import { STREAMED_TYPES } from '../backfills/backfills.dto';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';

const labelAll: Classifier = {
  async classify(texts: readonly unknown[]): Promise<ClassifyOutcome[]> {
    return texts.map(() => ({ labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' }));
  },
};

const BODIES = { '/v1/classify': '{"texts":["so glad"]}', '/v1/jobs': '{"items":[{"text":"so glad"}]}' } as const;
const WRONG_TYPES = [
  undefined,
  'text/plain',
  'application/x-ndjson',
  'text/csv',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
] as const;

/** POSTs `body` on a real socket with exactly the headers given (no Content-Type unless set). */
function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe.skipIf(!inject('redisAvailable'))('415 UNSUPPORTED_MEDIA_TYPE', () => {
  const h = useApiTestHarness('media', { CACHE_ENABLED: 'false' });
  const start = async () => {
    await h.start();
    h.startConsumer(labelAll, { interactive: 2, bulk: 2 });
  };

  it('refuses a JSON route body without a Content-Type or of another type with 415, naming application/json', async () => {
    await start();
    for (const [url, payload] of Object.entries(BODIES)) {
      for (const type of WRONG_TYPES) {
        const res = await h.request({ method: 'POST', url, payload, headers: { ...auth, ...(type ? { 'content-type': type } : {}) } });
        const error = res.json().error;
        expect([url, type, res.statusCode, error.code]).toEqual([url, type, 415, 'UNSUPPORTED_MEDIA_TYPE']);
        expect(error.message).toContain('application/json');
        expect(error.details).toEqual({ accepted: ['application/json'] });
      }
      const ok = await h.request({ method: 'POST', url, payload, headers: { ...auth, 'content-type': 'Application/JSON; charset=utf-8' } });
      expect([url, ok.statusCode]).toEqual([url, url === '/v1/jobs' ? 202 : 200]);
    }
  });

  it('says 415 on a real socket too, for a body sent without a Content-Type (no longer "texts: expected array")', async () => {
    await start();
    await h.api.app.listen(0, '127.0.0.1');
    const port = (h.api.app.getHttpServer().address() as { port: number }).port;
    const res = await post(port, '/v1/classify', BODIES['/v1/classify'], auth);
    expect([res.status, JSON.parse(res.body).error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(JSON.parse(res.body).error.message).toBe('The request has no Content-Type: send the body as application/json');
    const xml = await post(port, '/v1/jobs', '<items/>', { ...auth, 'content-type': 'application/xml' });
    expect([xml.status, JSON.parse(xml.body).error.message]).toEqual([
      415,
      'Content-Type application/xml is not accepted here: send the body as application/json',
    ]);
    const invalid = await post(port, '/v1/classify', BODIES['/v1/classify'], { ...auth, 'content-type': 'not a media type' });
    expect([invalid.status, JSON.parse(invalid.body).error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(JSON.parse(invalid.body).error.message).toContain('application/json');
  });

  it('authenticates first: without a key a wrong Content-Type is still 401 UNAUTHORIZED', async () => {
    await start();
    const res = await h.request({ method: 'POST', url: '/v1/classify', payload: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect([res.statusCode, res.json().error.code]).toEqual([401, 'UNAUTHORIZED']);
  });

  it('keeps the backfill upload on its own types: JSON or no Content-Type is 415 naming NDJSON, CSV and TSV', async () => {
    await start();
    for (const type of ['application/json', undefined, 'text/plain']) {
      const res = await h.request({
        method: 'POST',
        url: '/v1/backfills?id=media',
        payload: '{"text":"so glad"}\n',
        headers: { ...auth, ...(type ? { 'content-type': type } : {}) },
      });
      const error = res.json().error;
      expect([type, res.statusCode, error.code]).toEqual([type, 415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(error.details).toEqual({ accepted: Object.keys(STREAMED_TYPES) });
      for (const accepted of Object.keys(STREAMED_TYPES)) expect(error.message).toContain(accepted);
    }
    const ndjson = await h.request({
      method: 'POST',
      url: '/v1/backfills?id=media',
      payload: Readable.from(['{"text":"so glad"}\n']),
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
    });
    expect(ndjson.statusCode).toBe(202);
  });
});
