// The backfill routes over Fastify inject, on the real Redis, with an in-process chunk consumer
// whose classifier is a fake (no model here): streamed upload with bad lines and passthrough
// fields, ordered results, errors with line numbers, resume with the same id, conflicts, roll-ups, SSE.
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { Readable } from 'node:stream';
import { backfillJobId } from '@emo/queue';
import { describe, expect, it } from 'vitest';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets } from '../testing/redis-targets';

let classified = 0;
const fake: Classifier = {
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    classified += texts.length;
    return texts.map((t) => ({ labels: [{ label: t.includes('love') ? 'love' : 'neutral', score: 0.9 }], model: 'fake@1' }));
  },
};

function chatLog(n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      id: `m${i}`,
      conversation_id: `c${Math.floor(i / 4)}`,
      user: `u${i % 3}`,
      text: i % 2 ? `I love it ${i}` : `ok ${i}`,
    }),
  );
}

describe.each(apiRedisTargets())('backfills API, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('bf', { ...env, JOB_CHUNK_SIZE: '4', CACHE_ENABLED: 'false' });
  const start = async (withWorker = true) => {
    const api = await h.start();
    if (withWorker) h.startConsumer(fake, { interactive: 2, bulk: 4 });
    return api;
  };

  const request = h.request;
  const upload = (id: string, lines: string[], query = '', type = 'application/x-ndjson') =>
    request({
      method: 'POST',
      url: `/v1/backfills?id=${id}&id_field=id${query}`,
      payload: Readable.from(lines.map((l) => `${l}\n`)),
      headers: { ...auth, 'content-type': type },
    });
  const waitCompleted = (id: string) =>
    expect
      .poll(async () => (await request({ method: 'GET', url: `/v1/backfills/${id}`, headers: auth })).json().state, { timeout: 10_000 })
      .toBe('completed');
  const ndjson = (body: string) =>
    body
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('streams an NDJSON upload into ordered results with passthrough fields, and lists bad lines with their numbers', async () => {
    await start();
    const lines = chatLog(10);
    lines.splice(
      3,
      0,
      '{not json',
      JSON.stringify({ id: 'x1', user: 'u9' }),
      JSON.stringify({ id: 'x2', text: 5 }),
      JSON.stringify({ id: 'x3', text: '   ' }),
    );
    const res = await upload('bf1', lines);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      backfill_id: 'bf1',
      created: true,
      total: 14,
      upload: { lines: 14, complete: true },
      results_url: '/v1/backfills/bf1/results',
    });
    await waitCompleted('bf1');
    const status = (await request({ method: 'GET', url: '/v1/backfills/bf1', headers: auth })).json();
    expect(status).toMatchObject({ total: 14, done: 14, failed: 4, succeeded: 10, eta_s: 0, model: 'fake@1' });
    const results = await request({ method: 'GET', url: '/v1/backfills/bf1/results', headers: auth });
    expect(results.headers['x-results-complete']).toBe('true');
    const out = ndjson(results.body);
    expect(out.map((l) => l.line)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(out[0]).toEqual({
      line: 1,
      id: 'm0',
      conversation_id: 'c0',
      user: 'u0',
      labels: [{ label: 'neutral', score: 0.9 }],
      model: 'fake@1',
    });
    expect(out[13]).toMatchObject({ line: 14, id: 'm9', conversation_id: 'c2', labels: [{ label: 'love', score: 0.9 }] });
    const errors = ndjson((await request({ method: 'GET', url: '/v1/backfills/bf1/errors', headers: auth })).body);
    expect(errors.map((e) => [e.line, (e.error as { code: string }).code])).toEqual([
      [4, 'LINE_MALFORMED'],
      [5, 'FIELD_MISSING'],
      [6, 'TEXT_NOT_STRING'],
      [7, 'TEXT_EMPTY'],
    ]);
    const tail = ndjson((await request({ method: 'GET', url: '/v1/backfills/bf1/results?offset=12', headers: auth })).body);
    expect(tail.map((l) => l.id)).toEqual(['m8', 'm9']);
  });

  it('resumes with the same id without classifying anything twice, and refuses other content under that id', async () => {
    await start();
    const lines = chatLog(22);
    expect((await upload('bf2', lines)).statusCode).toBe(202);
    await waitCompleted('bf2');
    const before = classified;
    const again = await upload('bf2', lines);
    expect(again.json()).toMatchObject({
      created: false,
      queued_chunks: 0,
      skipped_chunks: 6,
      state: 'completed',
      upload: { attempts: 2 },
    });
    expect(classified).toBe(before);
    expect(ndjson((await request({ method: 'GET', url: '/v1/backfills/bf2/results', headers: auth })).body)).toHaveLength(22);
    const other = await upload(
      'bf2',
      chatLog(22).map((l) => l.replace('ok', 'meh')),
    );
    expect([other.statusCode, other.json().error.code]).toEqual([409, 'BACKFILL_CONFLICT']);
    const otherSettings = await upload('bf2', lines, '&passthrough=user');
    expect([otherSettings.statusCode, otherSettings.json().error.code]).toEqual([409, 'BACKFILL_CONFLICT']);
  });

  it('answers 500 BACKFILL_RESULTS_MISSING, never a short 200, for a completed backfill that lost a chunk, and the same file again repairs it', async () => {
    const api = await start();
    const lines = chatLog(12);
    expect((await upload('bf5', lines)).statusCode).toBe(202);
    await waitCompleted('bf5');
    // What a failover can lose (docs/reliability.md): chunk 1's inputs, while its results stay.
    await api.fleet.redis.hdel(`${api.fleet.keys.meta(backfillJobId(h.tenantId(), 'bf5'))}:inputs`, '1', 'd1');
    for (const route of ['results', 'errors']) {
      const res = await request({ method: 'GET', url: `/v1/backfills/bf5/${route}`, headers: auth });
      expect([res.statusCode, res.json().error.code]).toEqual([500, 'BACKFILL_RESULTS_MISSING']);
    }
    const before = classified;
    expect((await upload('bf5', lines)).json()).toMatchObject({ queued_chunks: 0, skipped_chunks: 3 });
    expect(classified).toBe(before);
    const repaired = ndjson((await request({ method: 'GET', url: '/v1/backfills/bf5/results', headers: auth })).body);
    expect(repaired.map((l) => l.id)).toEqual(lines.map((_, i) => `m${i}`));
  });

  it('reads CSV with a chosen passthrough field and rolls labels up per conversation', async () => {
    await start();
    const csv = ['msg,conv,who,body', 'a1,c1,ann,I love this', 'a2,c1,bob,meh', 'a3,c2,ann,love it', '"a4",c2,bob,"ok, fine"'];
    const res = await upload('bf3', csv, '&text_field=body&passthrough=conv'.replace('id_field=id', ''), 'text/csv');
    expect(res.statusCode).toBe(202);
    await waitCompleted('bf3');
    const out = ndjson((await request({ method: 'GET', url: '/v1/backfills/bf3/results', headers: auth })).body);
    expect(out.map((l) => Object.keys(l))).toEqual(Array.from({ length: 4 }, () => ['line', 'conv', 'labels', 'model']));
    const rollup = ndjson((await request({ method: 'GET', url: '/v1/backfills/bf3/rollups?by=conv', headers: auth })).body);
    expect(rollup).toEqual([
      { conv: 'c1', messages: 2, errors: 0, labels: { love: 1, neutral: 1 } },
      { conv: 'c2', messages: 2, errors: 0, labels: { love: 1, neutral: 1 } },
    ]);
  });

  it('streams progress as server-sent events until done, and answers 404, 415 and 422 where they apply', async () => {
    await start();
    await upload('bf4', chatLog(5));
    await waitCompleted('bf4');
    const events = await request({ method: 'GET', url: '/v1/backfills/bf4/events', headers: auth });
    expect(events.headers['content-type']).toBe('text/event-stream');
    expect(events.body).toMatch(/^event: done\ndata: \{"backfill_id":"bf4","state":"completed"/);
    const missing = await request({ method: 'GET', url: '/v1/backfills/nope', headers: auth });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'BACKFILL_NOT_FOUND']);
    const json = await request({ method: 'POST', url: '/v1/backfills', payload: { items: [] }, headers: auth });
    expect([json.statusCode, json.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const badId = await upload('bad%20id', chatLog(1));
    expect([badId.statusCode, badId.json().error.code]).toEqual([422, 'BACKFILL_ID_INVALID']);
  });
});
