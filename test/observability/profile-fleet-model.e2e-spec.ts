// `emo profile` against a real local fleet staged as "slow model, cold cache": the shipped
// transformer on one inference thread, a worker with chunk slots for the whole job, the result cache on
// (L1 + Redis L2) but empty, and a job of texts never seen before. The report must name a device
// stage (inference or the batch wait in front of it) as dominant, say the model is the bottleneck,
// and say the cache is cold. (Too few workers: profile-fleet.e2e-spec.ts.)
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ProfileReport } from '@emo/profiler';
import { freePort, startFleet, stopFleet, type FleetProcess } from '../fleet/fleet-processes';
import { DEFAULT_MODEL, runEmo } from '../support/run-emo';

const KEY = 'e2e-profile-model-key-01';
const WORDS = ['love', 'hate', 'so', 'happy', 'sad', 'this', 'is', 'great', 'awful', 'thanks', 'why', 'not', 'wow', 'ok', 'meh', 'fine', 'really', 'today'];

describe.skipIf(!inject('redisAvailable'))('emo profile on a local fleet with a slow model and a cold cache', () => {
  const prefix = `e2e-profile-model-${randomUUID().slice(0, 8)}`;
  let base = '';
  let processes: FleetProcess[] = [];
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      QUEUE_PREFIX: prefix,
      REDIS_URL: inject('redisUrl'),
      MODEL_DIR: DEFAULT_MODEL,
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      INFERENCE_THREADS: '1',
      JOB_CHUNK_SIZE: '64',
      WORKER_CONCURRENCY: '400', // every chunk of the job fits: texts wait in the batcher, not in the queue
      CACHE_ENABLED: 'true',
      CACHE_L2_ENABLED: 'true',
      PROFILER_PUBLISH_INTERVAL_MS: '250',
      PROFILER_P95_TARGET_MS: '200',
      API_KEYS: KEY,
      LOG_LEVEL: 'info',
    };
    const fleet = await startFleet(env, 1);
    processes = [fleet.api, ...fleet.workers];
  }, 60_000);

  afterAll(() => stopFleet(processes, inject('redisUrl'), prefix), 30_000);

  it('names a device stage, says the model is the bottleneck and the cache is cold', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ id: String(i), text: `${WORDS[i % 18]} ${WORDS[(i * 7) % 18]} ${WORDS[(i * 5) % 18]} number ${i} ${WORDS[(i * 11) % 18]}` }));
    const res = await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ items }) });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 3000)); // mid-job (about 10 s of work); windows are published every 250 ms

    const run = runEmo(['profile', '--url', base, '--api-key', KEY, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as ProfileReport;
    const codes = report.recommendations.map((r) => r.code);
    expect(report.sources).toMatchObject({ workers: 1, apis: 1 });
    expect(['inference', 'batch_wait'], JSON.stringify(report)).toContain(report.dominant_stage);
    expect(codes, JSON.stringify(report)).toContain('MODEL_BOUND');
    expect(report.cache.hit_rate).toBe(0);
    expect(codes).toContain('WARM_CACHE');
  }, 90_000);
});
