// The result routes of jobs and backfills through the one NDJSON streamer, on the real Redis: past
// a batch boundary (600 lines, batches of 256), each body is byte for byte the stored lines, one
// newline each, in input order, from any offset.
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BACKFILLS, type Backfills } from '../backfills/backfills.providers';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';
import { NDJSON_BATCH_LINES } from './ndjson-stream';
import { apiRedisTargets } from '../testing/redis-targets';

const fake: Classifier = {
  async classify(texts: readonly unknown[]): Promise<ClassifyOutcome[]> {
    return texts.map((t) =>
      String(t).includes('7')
        ? { error: { code: 'TEXT_EMPTY', message: 'empty' } }
        : { labels: [{ label: 'joy', score: 0.5 }], model: 'fake@1' },
    );
  },
};

const LINES = 600;

async function joined(lines: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const line of lines) out += `${line}\n`;
  return out;
}

describe.each(apiRedisTargets())('NDJSON result routes, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('ndjson', { ...env, JOB_CHUNK_SIZE: '64', CACHE_ENABLED: 'false' });
  const request = h.request;

  it('streams job results as the stored lines, byte for byte, whole and from an offset', async () => {
    expect(LINES).toBeGreaterThan(2 * NDJSON_BATCH_LINES);
    await h.start();
    h.startConsumer(fake, { interactive: 2, bulk: 4 });
    const items = Array.from({ length: LINES }, (_, i) => ({ id: `i${i}`, text: `text ${i} é ✓` }));
    const job = (await request({ method: 'POST', url: '/v1/jobs', payload: { items }, headers: auth })).json();
    await expect
      .poll(async () => (await request({ method: 'GET', url: `/v1/jobs/${job.job_id}`, headers: auth })).json().state, { timeout: 20_000 })
      .toBe('completed');
    const record = await h.api.fleet.store.requireRecord(job.job_id);
    for (const offset of [0, 300]) {
      const res = await request({ method: 'GET', url: `/v1/jobs/${job.job_id}/results?offset=${offset}`, headers: auth });
      expect([res.statusCode, res.headers['x-total-count'], res.headers['x-results-complete']]).toEqual([200, String(LINES), 'true']);
      expect(res.body).toBe(await joined(h.api.fleet.store.readLines(record, offset)));
      expect(
        res.body
          .split('\n')
          .slice(0, -1)
          .map((l) => JSON.parse(l).id),
      ).toEqual(items.slice(offset).map((i) => i.id));
    }
  });

  it('streams backfill results and errors as the stored lines, byte for byte', async () => {
    await h.start();
    h.startConsumer(fake, { interactive: 2, bulk: 4 });
    const rows = Array.from({ length: LINES }, (_, i) => `${JSON.stringify({ id: `m${i}`, user: `u${i % 5}`, text: `line ${i} ü` })}\n`);
    const up = await request({
      method: 'POST',
      url: '/v1/backfills?id=big&id_field=id',
      payload: Readable.from(rows),
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
    });
    expect(up.statusCode).toBe(202);
    await expect
      .poll(async () => (await request({ method: 'GET', url: '/v1/backfills/big', headers: auth })).json().state, { timeout: 20_000 })
      .toBe('completed');
    const backfills = h.api.app.get<Backfills>(BACKFILLS);
    const record = await backfills.store.requireRecord(h.tenantId(), 'big');
    const json = async function* (lines: AsyncIterable<{ json: string }>) {
      for await (const line of lines) yield line.json;
    };
    const results = await request({ method: 'GET', url: '/v1/backfills/big/results?offset=100', headers: auth });
    expect([results.headers['x-total-count'], results.headers['x-backfill-state']]).toEqual([String(LINES), 'completed']);
    expect(results.body).toBe(await joined(json(backfills.reader.lines(record, 100))));
    expect(results.body.split('\n').slice(0, -1)).toHaveLength(LINES - 100);
    const errors = await request({ method: 'GET', url: '/v1/backfills/big/errors', headers: auth });
    expect(errors.body).toBe(await joined(json(backfills.reader.errors(record))));
    expect(errors.body.split('\n').slice(0, -1).length).toBe(rows.filter((_, i) => `line ${i} ü`.includes('7')).length);
  });
});
