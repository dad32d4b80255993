// Limits of POST /v1/backfills over Fastify inject, on the real Redis with an in-process fake
// classifier: a 16 MB line without a newline gets LINE_TOO_LONG and the lines around it are
// classified; a body over BACKFILL_MAX_BODY_BYTES is a 413 (declared or streamed); every backfill
// id accepted at creation can be read back; roll-ups only group by own input fields.
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets } from '../testing/redis-targets';

const ndjsonType = { ...auth, 'content-type': 'application/x-ndjson' };

const fake: Classifier = {
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    return texts.map(() => ({ labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' }));
  },
};

/** `{"text":"` + `bytes` × 'a' in 64 KiB chunks, with lines before and after it. */
async function* longLineBody(bytes: number): AsyncGenerator<Buffer> {
  yield Buffer.from('{"id":"m1","text":"before"}\n{"id":"m2","text":"');
  const block = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < bytes; sent += block.length) yield block.subarray(0, Math.min(block.length, bytes - sent));
  yield Buffer.from('"}\n{"id":"m3","text":"after"}\n');
}

describe.each(apiRedisTargets())('backfill limits, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('bfl', { ...env, JOB_CHUNK_SIZE: '4', CACHE_ENABLED: 'false' });
  const start = async (env: Record<string, string> = {}) => {
    const api = await h.start(env);
    h.startConsumer(fake, { interactive: 2, bulk: 2 });
    return api;
  };
  const request = h.request;
  const completed = (id: string) =>
    expect
      .poll(async () => (await request({ method: 'GET', url: `/v1/backfills/${id}`, headers: auth })).json().state, { timeout: 10_000 })
      .toBe('completed');
  const lines = (body: string) =>
    body
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('gives a 16 MB line without a newline LINE_TOO_LONG and classifies the lines around it', async () => {
    await start();
    const res = await request({
      method: 'POST',
      url: '/v1/backfills?id=long&id_field=id',
      payload: Readable.from(longLineBody(16 * 1024 * 1024)),
      headers: ndjsonType,
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ total: 3, upload: { complete: true } });
    await completed('long');
    const out = lines((await request({ method: 'GET', url: '/v1/backfills/long/results', headers: auth })).body);
    expect(out.map((l) => [l.line, (l.error as { code?: string } | undefined)?.code ?? l.labels])).toEqual([
      [1, [{ label: 'joy', score: 0.9 }]],
      [2, 'LINE_TOO_LONG'],
      [3, [{ label: 'joy', score: 0.9 }]],
    ]);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over BACKFILL_MAX_BODY_BYTES, declared or streamed', async () => {
    await start({ BACKFILL_MAX_BODY_BYTES: '4096' });
    const line = `${JSON.stringify({ text: 'x'.repeat(90) })}\n`;
    const declared = await request({ method: 'POST', url: '/v1/backfills?id=big1', payload: line.repeat(60), headers: ndjsonType });
    expect([declared.statusCode, declared.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const streamed = await request({
      method: 'POST',
      url: '/v1/backfills?id=big2',
      payload: Readable.from(Array.from({ length: 60 }, () => line)),
      headers: ndjsonType,
    });
    expect([streamed.statusCode, streamed.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const fits = await request({
      method: 'POST',
      url: '/v1/backfills?id=small',
      payload: Readable.from(Array.from({ length: 30 }, () => line)),
      headers: ndjsonType,
    });
    expect(fits.statusCode).toBe(202);
  });

  it('reads back every id it accepts (128 characters), and refuses a longer one at creation with BACKFILL_ID_INVALID', async () => {
    await start();
    const longest = 'a'.repeat(128);
    const ok = await request({
      method: 'POST',
      url: `/v1/backfills?id=${longest}`,
      payload: Readable.from(['{"text":"hi"}\n']),
      headers: ndjsonType,
    });
    expect(ok.statusCode).toBe(202);
    for (const path of ['', '/results', '/errors', '/rollups?by=id']) {
      expect((await request({ method: 'GET', url: `/v1/backfills/${longest}${path}`, headers: auth })).statusCode).toBe(200);
    }
    for (const id of ['b'.repeat(129), 'b'.repeat(200), '-x', 'a.b']) {
      const res = await request({
        method: 'POST',
        url: `/v1/backfills?id=${id}`,
        payload: Readable.from(['{"text":"hi"}\n']),
        headers: ndjsonType,
      });
      expect([id.length, res.statusCode, res.json().error.code]).toEqual([id.length, 422, 'BACKFILL_ID_INVALID']);
      const read = await request({ method: 'GET', url: `/v1/backfills/${id}`, headers: auth });
      expect([id.length, read.statusCode, read.json().error.code]).toEqual([id.length, 422, 'BACKFILL_ID_INVALID']);
    }
  });

  it('rolls up by own input fields only: reserved names are refused and inherited names match nothing', async () => {
    await start();
    const body = ['{"text":"a","conv":"c1"}', '{"text":"b","conv":"c1"}', '{"text":"c","conv":"c2"}'].map((l) => `${l}\n`);
    expect(
      (await request({ method: 'POST', url: '/v1/backfills?id=roll', payload: Readable.from(body), headers: ndjsonType })).statusCode,
    ).toBe(202);
    await completed('roll');
    const rollup = (by: string) => request({ method: 'GET', url: `/v1/backfills/roll/rollups?by=${by}`, headers: auth });
    for (const by of ['__proto__', 'constructor', 'labels', 'messages']) {
      const res = await rollup(by);
      expect([by, res.statusCode, res.json().error.code]).toEqual([by, 422, 'REQUEST_INVALID']);
    }
    for (const by of ['toString', 'hasOwnProperty']) expect(await rollup(by).then((r) => [r.statusCode, r.body])).toEqual([200, '']);
    expect(lines((await rollup('conv')).body)).toEqual([
      { conv: 'c1', messages: 2, errors: 0, labels: { joy: 2 } },
      { conv: 'c2', messages: 1, errors: 0, labels: { joy: 1 } },
    ]);
  });
});
