// Per-item TEXT_NOT_STRING (README, "Bad input"): a text that is a number, null, an object, an
// array or a boolean is that item's error in its place on POST /v1/classify, POST /v1/jobs and
// POST /v1/backfills alike (the same code and message), while the other items are classified; only
// the request's shape fails it whole (422). The real API over Fastify inject on the real Redis,
// with an in-process worker whose classifier checks texts as the engine does (checkText).
import { Readable } from 'node:stream';
import { AppError, checkText, type Classifier, type ClassifyOutcome } from '@emo/contracts';
import { describe, expect, inject, it } from 'vitest';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';

/** Every value the worker's classifier was handed, per call. */
const received: unknown[][] = [];

const engineLike: Classifier = {
  async classify(texts: readonly unknown[]): Promise<ClassifyOutcome[]> {
    received.push([...texts]);
    return texts.map((t) => {
      try {
        checkText(t, { maxTextChars: 1000, longTextPolicy: 'truncate' });
        return { labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' };
      } catch (e) {
        const err = AppError.fromPlain(e);
        return { error: { code: err.code, message: err.message } };
      }
    });
  },
};

const json = { ...auth, 'content-type': 'application/json' };
const codeOf = (o: { error?: { code: string } }) => o.error?.code ?? 'ok';
const NON_STRINGS: readonly unknown[] = [5, null, { text: 'hi' }, ['hi'], true];

describe.skipIf(!inject('redisAvailable'))('TEXT_NOT_STRING per item', () => {
  const h = useApiTestHarness('notstr', { CACHE_ENABLED: 'false', JOB_CHUNK_SIZE: '3' });
  const start = async (env: Record<string, string> = {}) => {
    received.length = 0;
    await h.start(env);
    h.startConsumer(engineLike, { interactive: 2, bulk: 2 });
  };
  const post = (url: string, payload: unknown) => h.request({ method: 'POST', url, payload: JSON.stringify(payload), headers: json });

  it('POST /v1/classify answers a non-string text with its own TEXT_NOT_STRING in place and classifies the rest; the classifier gets strings only', async () => {
    await start();
    const res = await post('/v1/classify', { texts: ['', ...NON_STRINGS, 'ok'] });
    expect(res.statusCode).toBe(200);
    const results = res.json().results as { error?: { code: string; message: string } }[];
    expect(results.map(codeOf)).toEqual(['TEXT_EMPTY', ...NON_STRINGS.map(() => 'TEXT_NOT_STRING'), 'ok']);
    expect(results.slice(1, 6).map((r) => r.error?.message)).toEqual([
      'Text must be a string, got number',
      'Text must be a string, got null',
      'Text must be a string, got object',
      'Text must be a string, got object',
      'Text must be a string, got boolean',
    ]);
    expect(received.flat()).toEqual(['', 'ok']);
  });

  it('POST /v1/classify with only non-strings answers every item without queueing anything', async () => {
    await start();
    const res = await post('/v1/classify', { texts: [1, null] });
    expect([res.statusCode, (res.json().results as { error?: { code: string } }[]).map(codeOf)]).toEqual([
      200,
      ['TEXT_NOT_STRING', 'TEXT_NOT_STRING'],
    ]);
    expect(received).toEqual([]);
  });

  it("keeps the request's shape errors whole (422), and TEXT_TOO_LONG names the caller's index past non-strings", async () => {
    await start({ MAX_TEXT_CHARS: '10', LONG_TEXT_POLICY: 'reject' });
    for (const [payload, code] of [
      [{}, 'REQUEST_INVALID'],
      [{ texts: 'hello' }, 'REQUEST_INVALID'],
      [{ texts: [] }, 'REQUEST_INVALID'],
      [{ texts: { 0: 'a' } }, 'REQUEST_INVALID'],
      [{ texts: Array.from({ length: 65 }, () => 1) }, 'TOO_MANY_TEXTS'],
      [{ texts: [5, 'x'.repeat(11)] }, 'TEXT_TOO_LONG'],
    ] as const) {
      const res = await post('/v1/classify', payload);
      expect([JSON.stringify(payload).slice(0, 40), res.statusCode, res.json().error.code]).toEqual([
        JSON.stringify(payload).slice(0, 40),
        422,
        code,
      ]);
      if (code === 'TEXT_TOO_LONG') expect(res.json().error.details.index).toBe(1);
    }
    const jobs = await post('/v1/jobs', { items: [{ id: 'no-text' }] });
    expect([jobs.statusCode, jobs.json().error.code, jobs.json().error.message]).toEqual([
      422,
      'REQUEST_INVALID',
      expect.stringContaining('items.0.text'),
    ]);
    expect(received).toEqual([]);
  });

  it('POST /v1/jobs gives a non-string text its TEXT_NOT_STRING line in order, with its id, and classifies the other items', async () => {
    await start();
    const items = [
      { id: 'ok1', text: 'fine' },
      ...NON_STRINGS.map((text, i) => ({ id: `bad${i}`, text })),
      { id: 'empty', text: ' ' },
      { text: 'ok2' },
    ];
    const res = await post('/v1/jobs', { items });
    expect(res.statusCode).toBe(202);
    const id = res.json().job_id as string;
    await expect
      .poll(async () => (await h.request({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth })).json().state, { timeout: 15_000 })
      .toBe('completed');
    const status = (await h.request({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth })).json();
    expect(status).toMatchObject({ total: 8, succeeded: 2, failed: 6 });
    const lines = (await h.request({ method: 'GET', url: `/v1/jobs/${id}/results`, headers: auth })).body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id?: string; error?: { code: string; message: string } });
    expect(lines.map((l) => [l.id, codeOf(l)])).toEqual([
      ['ok1', 'ok'],
      ...NON_STRINGS.map((_, i) => [`bad${i}`, 'TEXT_NOT_STRING']),
      ['empty', 'TEXT_EMPTY'],
      [undefined, 'ok'],
    ]);
    expect(lines[1].error?.message).toBe('Text must be a string, got number');
  });

  it('says the same code and message for a non-string on /v1/classify, /v1/jobs and a backfill line', async () => {
    await start();
    const classify = (await post('/v1/classify', { texts: [42] })).json().results[0];
    const job = (await post('/v1/jobs', { items: [{ id: 'n', text: 42 }] })).json().job_id as string;
    const up = await h.request({
      method: 'POST',
      url: '/v1/backfills?id=notstr',
      payload: Readable.from(['{"text":42}\n{"text":"fine"}\n']),
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
    });
    expect(up.statusCode).toBe(202);
    await expect
      .poll(async () => (await h.request({ method: 'GET', url: `/v1/jobs/${job}`, headers: auth })).json().state, { timeout: 15_000 })
      .toBe('completed');
    await expect
      .poll(async () => (await h.request({ method: 'GET', url: '/v1/backfills/notstr', headers: auth })).json().state, { timeout: 15_000 })
      .toBe('completed');
    const jobLine = JSON.parse((await h.request({ method: 'GET', url: `/v1/jobs/${job}/results`, headers: auth })).body.trim());
    const backfillLine = JSON.parse((await h.request({ method: 'GET', url: '/v1/backfills/notstr/errors', headers: auth })).body.trim());
    const expected = { code: 'TEXT_NOT_STRING', message: 'Text must be a string, got number' };
    expect([classify.error, jobLine.error, backfillLine.error]).toEqual([expected, expected, expected]);
    expect(backfillLine.line).toBe(1);
  });
});
