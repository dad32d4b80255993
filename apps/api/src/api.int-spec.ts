// The API over Fastify inject, on the real Redis, with an in-process chunk consumer whose
// classifier is a fake (no model here): auth, limits, errors, classify, jobs, health, metrics.
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { describe, expect, inject, it } from 'vitest';
import { testAuth as auth, useApiTestHarness } from './testing/api-test-harness';

const fake: Classifier = {
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    return texts.map((t) =>
      t.trim()
        ? { labels: [{ label: t.length % 2 ? 'joy' : 'anger', score: 0.9 }], model: 'fake@1' }
        : { error: { code: 'TEXT_EMPTY', message: 'empty' } },
    );
  },
};

describe.skipIf(!inject('redisAvailable'))('API', () => {
  const h = useApiTestHarness('api', { JOB_CHUNK_SIZE: '4' });
  const start = async (env: Record<string, string> = {}, withWorker = true) => {
    const api = await h.start(env);
    if (withWorker) h.startConsumer(fake, { interactive: 4, bulk: 4 });
    return api;
  };
  const request = h.request;

  describe('auth', () => {
    it('answers 401 without a key, 403 with a wrong one, and leaves health and metrics open', async () => {
      await start();
      const body = { texts: ['hi'] };
      expect((await request({ method: 'POST', url: '/v1/classify', payload: body })).json()).toEqual({
        error: { code: 'UNAUTHORIZED', message: expect.any(String) },
      });
      const wrong = await request({
        method: 'POST',
        url: '/v1/classify',
        payload: body,
        headers: { authorization: 'Bearer nope-nope-nope' },
      });
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json().error.code).toBe('FORBIDDEN');
      expect((await request({ method: 'POST', url: '/v1/classify', payload: body, headers: auth })).statusCode).toBe(200);
      expect((await request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await request({ method: 'GET', url: '/readyz' })).json()).toMatchObject({
        status: 'ok',
        info: { redis: { status: 'up' }, queue: { status: 'up' } },
      });
      expect((await request({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
      expect((await request({ method: 'GET', url: '/docs/openapi.json' })).json().paths).toHaveProperty('/v1/jobs/{id}/results');
    });
  });

  describe('POST /v1/classify', () => {
    it('answers through the fleet, one result per text in order', async () => {
      await start();
      const res = await request({ method: 'POST', url: '/v1/classify', payload: { texts: ['a', 'bb', ' '] }, headers: auth });
      expect(res.statusCode).toBe(200);
      expect(res.json().results).toEqual([
        { labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' },
        { labels: [{ label: 'anger', score: 0.9 }], model: 'fake@1' },
        { error: { code: 'TEXT_EMPTY', message: 'empty' } },
      ]);
    });

    it('maps limits and bad bodies to their codes', async () => {
      await start({ API_BODY_LIMIT_BYTES: '2048', MAX_TEXT_CHARS: '10', LONG_TEXT_POLICY: 'reject' });
      const post = (payload: unknown) =>
        request({
          method: 'POST',
          url: '/v1/classify',
          payload: payload as string,
          headers: { ...auth, 'content-type': 'application/json' },
        });
      const tooMany = await post({ texts: Array.from({ length: 65 }, () => 'x') });
      expect([tooMany.statusCode, tooMany.json().error.code]).toEqual([422, 'TOO_MANY_TEXTS']);
      const tooLarge = await post({ texts: ['x'.repeat(3000)] });
      expect([tooLarge.statusCode, tooLarge.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      const tooLong = await post({ texts: ['ok', 'x'.repeat(11)] });
      expect([tooLong.statusCode, tooLong.json().error.code]).toEqual([422, 'TEXT_TOO_LONG']);
      const badJson = await post('{"texts": [');
      expect([badJson.statusCode, badJson.json().error.code]).toEqual([422, 'REQUEST_INVALID']);
      const wrongShape = await post({ texts: 'not a list' }); // a non-string item is its own TEXT_NOT_STRING (http/text-not-string.int-spec.ts)
      expect([wrongShape.statusCode, wrongShape.json().error.code]).toEqual([422, 'REQUEST_INVALID']);
    });

    it('answers 504 DEADLINE_EXCEEDED naming the job, and the job still completes', async () => {
      await start({ CLASSIFY_DEADLINE_MS: '100' }, false);
      const res = await request({ method: 'POST', url: '/v1/classify', payload: { texts: ['late'] }, headers: auth });
      expect(res.statusCode).toBe(504);
      const jobId = res.json().error.details.job_id as string;
      h.startConsumer(fake, { interactive: 1, bulk: 1 });
      await expect
        .poll(async () => (await request({ method: 'GET', url: `/v1/jobs/${jobId}`, headers: auth })).json().state, { timeout: 5000 })
        .toBe('completed');
      expect((await request({ method: 'GET', url: `/v1/jobs/${jobId}/results`, headers: auth })).body.trim().split('\n')).toHaveLength(1);
    });
  });

  describe('jobs', () => {
    it('submits, reports status, streams ordered NDJSON with offset, and is idempotent', async () => {
      await start();
      const items = Array.from({ length: 10 }, (_, i) => ({ id: `i${i}`, text: `text ${i}` }));
      const created = await request({ method: 'POST', url: '/v1/jobs', payload: { items, idempotency_key: 'same' }, headers: auth });
      expect(created.statusCode).toBe(202);
      const job = created.json();
      expect(job).toMatchObject({ total: 10, created: true, priority: 'bulk', results_url: `/v1/jobs/${job.job_id}/results` });
      const again = await request({ method: 'POST', url: '/v1/jobs', payload: { items }, headers: { ...auth, 'idempotency-key': 'same' } });
      expect(again.json()).toMatchObject({ job_id: job.job_id, created: false });
      await expect
        .poll(async () => (await request({ method: 'GET', url: `/v1/jobs/${job.job_id}`, headers: auth })).json().state, { timeout: 5000 })
        .toBe('completed');
      const status = (await request({ method: 'GET', url: `/v1/jobs/${job.job_id}`, headers: auth })).json();
      expect(status).toMatchObject({ done: 10, succeeded: 10, failed: 0, chunks: { total: 3, done: 3 }, model: 'fake@1' });
      const results = await request({ method: 'GET', url: `/v1/jobs/${job.job_id}/results`, headers: auth });
      expect(results.headers['content-type']).toContain('application/x-ndjson');
      expect(results.headers['x-results-complete']).toBe('true');
      expect(
        results.body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).id),
      ).toEqual(items.map((i) => i.id));
      const tail = await request({ method: 'GET', url: `/v1/jobs/${job.job_id}/results?offset=7`, headers: auth });
      expect(
        tail.body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).id),
      ).toEqual(['i7', 'i8', 'i9']);
    });

    it('cancels what has not run and answers 404 JOB_NOT_FOUND for unknown jobs', async () => {
      await start({}, false);
      const job = (
        await request({ method: 'POST', url: '/v1/jobs', payload: { items: [{ text: 'a' }, { text: 'b' }] }, headers: auth })
      ).json();
      const cancelled = await request({ method: 'DELETE', url: `/v1/jobs/${job.job_id}`, headers: auth });
      expect(cancelled.json()).toMatchObject({ state: 'cancelled', cancelled: 2 });
      const missing = await request({ method: 'GET', url: '/v1/jobs/nope', headers: auth });
      expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'JOB_NOT_FOUND']);
    });

    it('refuses new work with 429 OVERLOADED and Retry-After while the backlog is over the limit', async () => {
      await start({ QUEUE_BACKLOG_LIMIT: '3', OVERLOAD_RETRY_AFTER_SECONDS: '9' }, false);
      const items = Array.from({ length: 12 }, (_, i) => ({ text: `t${i}` }));
      expect((await request({ method: 'POST', url: '/v1/jobs', payload: { items }, headers: auth })).statusCode).toBe(202);
      await new Promise((r) => setTimeout(r, 300)); // past the gate's count cache
      const refused = await request({ method: 'POST', url: '/v1/jobs', payload: { items }, headers: auth });
      expect([refused.statusCode, refused.json().error.code, refused.headers['retry-after']]).toEqual([429, 'OVERLOADED', '9']);
      const metrics = (await request({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('emo_queue_backlog{queue="bulk"} 3');
      expect(metrics).toMatch(/emo_http_requests_total\{method="POST",route="\/v1\/jobs",status="429"\} 1/);
    });
  });
});
