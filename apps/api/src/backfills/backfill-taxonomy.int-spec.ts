// `taxonomy` on POST /v1/backfills, on the real Redis: validated (422 TAXONOMY_UNKNOWN), carried in
// every chunk to the workers, part of what a resumed upload must match.
import type { ClassifyOptions } from '@emo/contracts';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets } from '../testing/redis-targets';

describe.each(apiRedisTargets())('backfills API and taxonomies, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('bftax', { ...env, JOB_CHUNK_SIZE: '2', CACHE_ENABLED: 'false' });
  const seen: ClassifyOptions[] = [];
  const start = async () => {
    await h.start();
    h.startConsumer(
      {
        async classify(texts: readonly unknown[], options: ClassifyOptions = {}) {
          seen.push(options);
          return texts.map(() =>
            options.taxonomy === 'sentiment'
              ? { labels: [{ label: 'positive', score: 0.9 }], model: 'fake@1', taxonomy: 'sentiment' as const }
              : { labels: [{ label: 'gratitude', score: 0.9 }], model: 'fake@1' },
          );
        },
      },
      { interactive: 2, bulk: 2 },
    );
  };
  const lines = ['thanks', 'thank you', 'cheers'].map((text, i) => JSON.stringify({ id: `m${i}`, text }));
  const upload = (id: string, query: string) =>
    h.request({
      method: 'POST',
      url: `/v1/backfills?id=${id}${query}`,
      payload: Readable.from(lines.map((l) => `${l}\n`)),
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
    });

  it('classifies every chunk in the asked taxonomy', async () => {
    await start();
    seen.length = 0;
    expect((await upload('tax1', '&taxonomy=sentiment')).statusCode).toBe(202);
    await expect
      .poll(async () => (await h.request({ method: 'GET', url: '/v1/backfills/tax1', headers: auth })).json().state, { timeout: 10_000 })
      .toBe('completed');
    const results = await h.request({ method: 'GET', url: '/v1/backfills/tax1/results', headers: auth });
    const out = results.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; labels: { label: string }[]; taxonomy?: string });
    expect(out.map((l) => [l.id, l.labels[0].label, l.taxonomy])).toEqual([
      ['m0', 'positive', 'sentiment'],
      ['m1', 'positive', 'sentiment'],
      ['m2', 'positive', 'sentiment'],
    ]);
    expect(seen.map((o) => o.taxonomy)).toEqual(['sentiment', 'sentiment']);
  });

  it('refuses an unknown taxonomy (422 TAXONOMY_UNKNOWN) and a resume under another taxonomy (BACKFILL_CONFLICT)', async () => {
    await start();
    const bad = await upload('tax2', '&taxonomy=plutchik');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('TAXONOMY_UNKNOWN');
    expect((await upload('tax3', '&taxonomy=ekman')).statusCode).toBe(202);
    const other = await upload('tax3', '');
    expect(other.json().error?.code).toBe('BACKFILL_CONFLICT');
    // The same upload under the same taxonomy resumes it.
    expect((await upload('tax3', '&taxonomy=ekman')).json()).toMatchObject({ backfill_id: 'tax3', created: false });
  });
});
