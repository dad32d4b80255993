// `taxonomy` on POST /v1/classify and POST /v1/jobs, on the real Redis: validated (422
// TAXONOMY_UNKNOWN), documented in the OpenAPI, answered in the asked view by the API's cache (which
// keeps the fine result, ADR 015) or by the workers (the chunk carries it), and a coarse call and a
// fine call for the same text never get each other's answer.
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createWorkerResultCache, unlinkMatching, type WorkerResultCache } from '@emo/cache';
import { loadConfig } from '@emo/config';
import type { ClassificationResult, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import { createLogger } from '@emo/profiler';
import type { ChunkConsumer } from '@emo/queue';
import { createApiApp, type ApiApp } from '../api-app';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';

const GO = [
  'admiration', 'amusement', 'anger', 'annoyance', 'approval', 'caring', 'confusion', 'curiosity', 'desire', 'disappointment',
  'disapproval', 'disgust', 'embarrassment', 'excitement', 'fear', 'gratitude', 'grief', 'joy', 'love', 'nervousness',
  'optimism', 'pride', 'realization', 'relief', 'remorse', 'sadness', 'surprise', 'neutral',
]; // prettier-ignore

/** A GoEmotions-shaped engine: gratitude for "thanks", annoyance for "annoying", else neutral; records each call's options. */
function goEngine() {
  const calls: { texts: unknown[]; options: ClassifyOptions }[] = [];
  return {
    calls,
    bundle: { name: 'fakego', revision: 'rev1', thresholdsVersion: 'default', labels: GO },
    tokenizer: { maxLength: 128 },
    precision: 'fp32',
    classify: async (texts: readonly unknown[], options: ClassifyOptions = {}): Promise<ClassifyOutcome[]> => {
      calls.push({ texts: [...texts], options });
      return texts.map((t) => {
        const text = String(t);
        const scores = Object.fromEntries(GO.map((l) => [l, 0.01]));
        if (text.includes('thanks')) scores.gratitude = 0.97;
        if (text.includes('annoying')) scores.annoyance = 0.81;
        if (!text.includes('thanks') && !text.includes('annoying')) scores.neutral = 0.7;
        const labels = GO.filter((l) => scores[l] >= 0.5)
          .map((label) => ({ label, score: scores[label] }))
          .sort((a, b) => b.score - a.score);
        const result: ClassificationResult = { labels, model: 'fakego@rev1' };
        if (options.includeScores) result.scores = scores;
        return result;
      });
    },
  };
}

const labelsOf = (o: { labels: { label: string }[] }) => o.labels.map((l) => l.label);

describe.skipIf(!inject('redisAvailable'))('taxonomy on the API, through the caches', () => {
  let api: ApiApp | undefined;
  let worker: WorkerResultCache | undefined;
  let consumer: ChunkConsumer | undefined;
  let prefix = '';

  afterEach(async () => {
    await consumer?.close(5000);
    if (api) {
      await unlinkMatching(api.fleet.redis as Parameters<typeof unlinkMatching>[0], `${prefix}:*`);
      await api.fleet.purge();
      await api.close();
    }
    await worker?.close();
    api = worker = consumer = undefined;
  });

  async function start() {
    prefix = `test-taxonomy-${randomUUID().slice(0, 8)}`;
    const config = loadConfig({
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      API_KEYS: 'test-key-0123456789',
      LOG_LEVEL: 'silent',
      CACHE_L2_TIMEOUT_MS: '2000',
    });
    const engine = goEngine();
    // The worker advertises its model first, so the API's cache keys texts from the first request.
    worker = (await createWorkerResultCache(config, engine, { registry: new Registry() }))!;
    api = await createApiApp(config, { logger: createLogger({ level: 'silent' }) });
    consumer = api.fleet.startConsumer(worker.classifier, { concurrency: { interactive: 2, bulk: 2 }, lockDurationMs: 10_000 });
    return { engine, api };
  }

  it('answers a coarse and a fine call for the same text each in its own labels, from one cached fine result', async () => {
    const { engine, api } = await start();
    const classify = async (payload: object) => {
      const res = await api.app.inject({ method: 'POST', url: '/v1/classify', payload, headers: auth });
      expect(res.statusCode).toBe(200);
      return res.json().results as (ClassificationResult & { taxonomy?: string })[];
    };
    const text = 'thanks, but this is annoying';
    const [ekman] = await classify({ texts: [text], taxonomy: 'ekman' });
    const [fine] = await classify({ texts: [text] });
    const [sentiment] = await classify({ texts: [text], taxonomy: 'sentiment', include_scores: true });
    const [fineAgain] = await classify({ texts: [text], taxonomy: 'goemotions' });
    expect(labelsOf(ekman)).toEqual(['joy', 'anger']);
    expect(ekman.taxonomy).toBe('ekman');
    expect(labelsOf(fine)).toEqual(['gratitude', 'annoyance']);
    expect(fine).not.toHaveProperty('taxonomy');
    expect(labelsOf(sentiment)).toEqual(['positive', 'negative']);
    expect(Object.keys(sentiment.scores!)).toEqual(['positive', 'negative', 'ambiguous', 'neutral']);
    expect(fineAgain).toEqual(fine);
    // The engine computed the fine result once (every score), for every view; L2 holds one key for the text.
    expect(engine.calls.flatMap((c) => c.texts)).toEqual([text]);
    expect(engine.calls[0].options).not.toHaveProperty('taxonomy');
    await worker!.cache.drain();
    expect(await api.fleet.redis.exists(worker!.cache.namespace.key(text))).toBe(1);
  });

  it('answers a job in its taxonomy: the worker derives it (its cache in front of the engine)', async () => {
    const { api } = await start();
    const items = [
      { id: 'm1', text: 'thanks a lot' },
      { id: 'm2', text: 'so annoying' },
      { id: 'm3', text: 'the bus is at nine' },
    ];
    const created = await api.app.inject({ method: 'POST', url: '/v1/jobs', payload: { items, taxonomy: 'sentiment' }, headers: auth });
    expect(created.statusCode).toBe(202);
    const id = created.json().job_id as string;
    let lines: { id: string; labels: { label: string }[]; taxonomy?: string }[] = [];
    for (let i = 0; i < 200 && lines.length < 3; i++) {
      const res = await api.app.inject({ method: 'GET', url: `/v1/jobs/${id}/results`, headers: auth });
      lines = res.body.trim()
        ? res.body
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))
        : [];
      if (lines.length < 3) await new Promise((r) => setTimeout(r, 25));
    }
    expect(lines.map((l) => [l.id, labelsOf(l), l.taxonomy])).toEqual([
      ['m1', ['positive'], 'sentiment'],
      ['m2', ['negative'], 'sentiment'],
      ['m3', ['neutral'], 'sentiment'],
    ]);
  });
});

describe.skipIf(!inject('redisAvailable'))('taxonomy on the API: validation, OpenAPI, the chunk', () => {
  const h = useApiTestHarness('taxonomy');

  it('refuses an unknown taxonomy with 422 TAXONOMY_UNKNOWN on /v1/classify and /v1/jobs', async () => {
    await h.start();
    for (const [url, payload] of [
      ['/v1/classify', { texts: ['hi'], taxonomy: 'plutchik' }],
      ['/v1/jobs', { items: [{ text: 'hi' }], taxonomy: 'Ekman' }],
      ['/v1/classify', { texts: ['hi'], taxonomy: 7 }],
    ] as const) {
      const res = await h.request({ method: 'POST', url, payload, headers: auth });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'TAXONOMY_UNKNOWN',
        message: expect.stringContaining('goemotions, ekman, sentiment'),
      });
    }
  });

  it('documents taxonomy (values, default) in both request bodies and its 422 in the OpenAPI', async () => {
    await h.start();
    const doc = (await h.request({ method: 'GET', url: '/docs/openapi.json' })).json();
    for (const dto of ['ClassifyRequestDto', 'JobRequestDto'])
      expect(doc.components.schemas[dto].properties.taxonomy).toMatchObject({
        enum: ['goemotions', 'ekman', 'sentiment'],
        default: 'goemotions',
      });
    expect(JSON.stringify(doc.paths['/v1/classify'].post.responses['422'])).toContain('TAXONOMY_UNKNOWN');
    expect(JSON.stringify(doc.paths['/v1/jobs'].post.responses['422'])).toContain('TAXONOMY_UNKNOWN');
  });

  it('carries the taxonomy to the worker in the chunk when the API has no cache to derive it (no model advertised)', async () => {
    await h.start();
    const seen: ClassifyOptions[] = [];
    h.startConsumer(
      {
        async classify(texts: readonly unknown[], options: ClassifyOptions = {}) {
          seen.push(options);
          return texts.map(() => ({ labels: [{ label: 'joy', score: 0.9 }], model: 'm@1', taxonomy: options.taxonomy as 'ekman' }));
        },
      },
      { interactive: 2, bulk: 2 },
    );
    const res = await h.request({ method: 'POST', url: '/v1/classify', payload: { texts: ['hi'], taxonomy: 'ekman' }, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual([{ labels: [{ label: 'joy', score: 0.9 }], model: 'm@1', taxonomy: 'ekman' }]);
    expect(seen.map((o) => o.taxonomy)).toEqual(['ekman']);
  });
});
