// `emo profile` against a real local fleet (API + one worker process, tiny model) staged as "too
// few workers": one chunk at a time (WORKER_CONCURRENCY=1) while a 6000-text job is queued, so
// chunks mostly wait in the queue. The report, aggregated through Redis, must name queue_wait as
// the dominant stage and point at worker capacity; with TRACING_ENABLED the job's trace holds
// the spans of every worker stage. (Slow model + cold cache on a fleet: profile-fleet-model.e2e-spec.ts;
// all three are also unit-tested on synthetic windows in libs/profiler.)
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ProfileReport } from '@emo/profiler';
import { freePort, startFleet, stopFleet, TINY_MODEL, type FleetProcess } from '../fleet/fleet-processes';
import { runEmo } from '../support/run-emo';

const KEY = 'e2e-profile-key-0123';
const WORDS = ['love', 'hate', 'so', 'happy', 'sad', 'this', 'is', 'great', 'awful', 'thanks', 'why', 'not', 'wow', 'ok', 'meh', 'fine'];

describe.skipIf(!inject('redisAvailable'))('emo profile on a local fleet', () => {
  const prefix = `e2e-profile-${randomUUID().slice(0, 8)}`;
  let base = '';
  let api: FleetProcess | undefined;
  let worker: FleetProcess | undefined;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      QUEUE_PREFIX: prefix,
      REDIS_URL: inject('redisUrl'),
      MODEL_DIR: TINY_MODEL,
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      INFERENCE_THREADS: '1',
      JOB_CHUNK_SIZE: '8',
      WORKER_CONCURRENCY: '1',
      WORKER_INTERACTIVE_CONCURRENCY: '1',
      PROFILER_PUBLISH_INTERVAL_MS: '250',
      PROFILER_P95_TARGET_MS: '200',
      TRACING_ENABLED: 'true',
      API_KEYS: KEY,
      LOG_LEVEL: 'info',
    };
    ({ api, workers: [worker] } = await startFleet(env, 1));
  }, 60_000);

  afterAll(async () => {
    await stopFleet([api, worker], inject('redisUrl'), prefix);
  }, 30_000);

  it('names queue wait as the dominant stage with too few workers, and keeps the job trace', async () => {
    const items = Array.from({ length: 6000 }, (_, i) => ({ id: String(i), text: `${WORDS[i % 16]} ${WORDS[(i * 7) % 16]} ${i}` }));
    const res = await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ items }) });
    expect(res.status).toBe(202);
    const jobId = ((await res.json()) as { job_id: string }).job_id;
    await new Promise((r) => setTimeout(r, 1000));

    const run = runEmo(['profile', '--url', base, '--api-key', KEY, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as ProfileReport;
    expect(report.sources).toMatchObject({ workers: 1, apis: 1 });
    expect(report.dominant_stage, JSON.stringify(report)).toBe('queue_wait');
    expect(['ADD_WORKERS', 'RAISE_WORKER_CONCURRENCY'], JSON.stringify(report)).toContain(report.recommendations[0].code);
    expect(report.stages.map((s) => s.stage)).toEqual(expect.arrayContaining(['validation', 'enqueue', 'queue_wait', 'l1', 'tokenization', 'batch_wait', 'inference', 'postprocess', 'result_write']));
    expect(report.throughput.texts_per_s).toBeGreaterThan(0);
    // Unique texts on a fresh prefix: the cache is cold, and the report says so.
    expect(report.cache.hit_rate).toBe(0);
    expect(report.recommendations.map((r) => r.code)).toContain('WARM_CACHE');

    const readable = runEmo(['profile', '--url', base, '--api-key', KEY]);
    expect(readable.status).toBe(0);
    expect(readable.stdout).toMatch(/^queue_wait .*◀ dominant$/m);
    expect(readable.stdout).toMatch(/recommendations:\n {2}\[(critical|warning)\] queue wait is \d+ % of p95/);

    for (const end = Date.now() + 40_000; ; ) {
      const s = (await (await fetch(`${base}/v1/jobs/${jobId}`, { headers })).json()) as { state: string };
      if (s.state === 'completed') break;
      if (Date.now() > end) throw new Error(`job not completed: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 500)); // spans are flushed every 250 ms
    const trace = (await (await fetch(`${base}/v1/jobs/${jobId}/trace`, { headers })).json()) as { tracing: boolean; stages: Record<string, { spans: number; texts: number }> };
    expect(trace.tracing).toBe(true);
    for (const stage of ['queue_wait', 'l1', 'tokenization', 'inference', 'postprocess', 'result_write']) {
      expect(trace.stages[stage]?.spans, stage).toBe(750);
      expect(trace.stages[stage]?.texts, stage).toBe(6000);
    }
    const unknown = await fetch(`${base}/v1/jobs/no-such-job/trace`, { headers });
    expect(unknown.status).toBe(404);
  }, 90_000);
});
