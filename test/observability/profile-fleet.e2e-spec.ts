// `emo profile` against a real local fleet (API + one worker process) staged as "too few
// workers": one chunk slot (WORKER_CONCURRENCY=1) while dozens of chunks are queued, so chunks
// mostly wait in the queue. The report, aggregated through Redis, must name queue_wait as the
// dominant stage and point at worker capacity; with TRACING_ENABLED a job's trace holds the spans
// of every worker stage. (Slow model + cold cache on a fleet: profile-fleet-model.e2e-spec.ts;
// all three are also unit-tested on recorded windows in libs/profiler.)
//
// The verdict holds by construction, on any CPU and beside any other load (it ran beside
// `stress-ng --cpu 2` on a 2-core machine at a load average over 20), not by reading the report
// at the right moment:
//  - the queue never empties: a feeder keeps FEED_JOBS jobs of 10 chunks unfinished, posting the
//    next as soon as one completes, so 40 or more chunks always wait, however fast the machine;
//    and a 2-text job arrives every second whatever completes, so the API's window always holds
//    its own stages (validation, enqueue);
//  - each chunk is real device work: 16 texts that fill MAX_SEQUENCE_LENGTH, one 2048-token batch
//    (~9 GFLOP), so 40 chunks are seconds of work anywhere while a replacement takes one poll and
//    a POST, and each chunk waits behind 40 others in the queue, far longer than it then runs;
//  - the window lies inside the fed period: PROFILER_WINDOW_SECONDS=10, read (without pausing the
//    feeders) once a full window, the slot being dropped and two publishes have passed since the
//    traced job (posted first) completed, and read again if it lacks the staged API stages or
//    backlog (a fleet stalled by the shared Redis or host for a whole window); every chunk taken
//    in it had waited in the queue, the one slot was held and the backlog never emptied, so the
//    advice is ADD_WORKERS (device saturated, or backlog growing) or RAISE_WORKER_CONCURRENCY,
//    never CHECK_WORKERS.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fleetEnv, freePort, startFleet, stopFleet, type FleetProcess } from '../fleet/fleet-processes';
import { DEFAULT_MODEL } from '../support/run-emo';
import {
  fullLengthTexts,
  keepJobsOpen,
  profileCli,
  readStagedReport,
  sleep,
  waitForJob,
  windowSettleMs,
  type OpenJobs,
} from './profile-staging';

const KEY = 'e2e-profile-key-0123';
const WINDOW_SECONDS = 10;
const PUBLISH_MS = 250;
const CHUNK = 16;
const TRACED_TEXTS = 64;
const FEED_JOBS = 5;
const FEED_TEXTS = 10 * CHUNK;

describe.skipIf(!inject('redisAvailable'))('emo profile on a local fleet', () => {
  const prefix = `e2e-profile-${randomUUID().slice(0, 8)}`;
  let base = '';
  let api: FleetProcess | undefined;
  let worker: FleetProcess | undefined;
  let feeder: OpenJobs | undefined;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      ...fleetEnv({ prefix, redisUrl: inject('redisUrl'), port, model: DEFAULT_MODEL, apiKey: KEY }),
      BATCH_ADAPTIVE: 'false',
      BATCH_MAX_TOKENS: '2048',
      JOB_CHUNK_SIZE: String(CHUNK),
      WORKER_CONCURRENCY: '1',
      WORKER_INTERACTIVE_CONCURRENCY: '1',
      WORKER_SHUTDOWN_TIMEOUT_MS: '2000',
      PROFILER_WINDOW_SECONDS: String(WINDOW_SECONDS),
      PROFILER_PUBLISH_INTERVAL_MS: String(PUBLISH_MS),
      PROFILER_P95_TARGET_MS: '200',
      TRACING_ENABLED: 'true',
      API_ADMIN_KEYS: KEY, // GET /v1/profile and traces need the admin scope
    };
    ({
      api,
      workers: [worker],
    } = await startFleet(env, 1));
  }, 60_000);

  afterAll(async () => {
    await feeder?.stop();
    await stopFleet([api, worker], inject('redisUrl'), prefix);
  }, 30_000);

  const post = async (texts: string[]) => {
    const res = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ items: texts.map((text, i) => ({ id: String(i), text })) }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { job_id: string }).job_id;
  };

  it('names queue wait as the dominant stage with too few workers, and keeps the job trace', async () => {
    // A small traced job first, then the fed backlog behind it: from the traced job's completion
    // on, the one slot only ever takes chunks that waited in the queue.
    const traced = await post(fullLengthTexts(TRACED_TEXTS));
    feeder = keepJobsOpen(base, headers, { jobs: FEED_JOBS, texts: FEED_TEXTS, heartbeat: { texts: 2, everyMs: 1000 } });
    await waitForJob(base, headers, traced, 60_000);
    const loadedSince = Date.now();

    await sleep(500); // spans are flushed every 250 ms
    const trace = (await (await fetch(`${base}/v1/jobs/${traced}/trace`, { headers })).json()) as {
      tracing: boolean;
      stages: Record<string, { spans: number; texts: number }>;
    };
    expect(trace.tracing).toBe(true);
    for (const stage of ['queue_wait', 'l1', 'tokenization', 'inference', 'postprocess', 'result_write']) {
      expect(trace.stages[stage]?.spans, stage).toBe(TRACED_TEXTS / CHUNK);
      expect(trace.stages[stage]?.texts, stage).toBe(TRACED_TEXTS);
    }
    const unknown = await fetch(`${base}/v1/jobs/no-such-job/trace`, { headers });
    expect(unknown.status).toBe(404);

    await sleep(loadedSince + windowSettleMs(WINDOW_SECONDS, PUBLISH_MS) - Date.now());

    const { report, stderr, missing } = await readStagedReport(base, KEY, (r) => {
      if (r.sources.workers !== 1 || r.sources.apis !== 1) return `sources ${JSON.stringify(r.sources)}`;
      if (!r.stages.some((st) => st.stage === 'enqueue')) return 'no job reached the API in the window';
      if (!((r.queue.backlog ?? 0) > 0)) return `backlog ${r.queue.backlog}: the queue was not kept full`;
      return undefined;
    });
    const seen = JSON.stringify(report);
    expect(missing, seen).toBeUndefined();
    expect(stderr).toBe('');
    expect(report.window_s).toBe(WINDOW_SECONDS);
    expect(report.dominant_stage, seen).toBe('queue_wait');
    expect(['ADD_WORKERS', 'RAISE_WORKER_CONCURRENCY'], seen).toContain(report.recommendations[0].code);
    expect(report.stages.map((st) => st.stage)).toEqual(
      expect.arrayContaining([
        'validation',
        'enqueue',
        'queue_wait',
        'l1',
        'tokenization',
        'batch_wait',
        'inference',
        'postprocess',
        'result_write',
      ]),
    );
    expect(report.throughput.texts_per_s).toBeGreaterThan(0);
    // Unique texts on a fresh prefix: the cache is cold, and the report says so.
    expect(report.cache.hit_rate).toBe(0);
    expect(report.recommendations.map((r) => r.code)).toContain('WARM_CACHE');

    const readable = await profileCli(base, KEY, false);
    expect(readable.status).toBe(0);
    expect(readable.stdout).toMatch(/^queue_wait .*◀ dominant$/m);
    expect(readable.stdout).toMatch(/recommendations:\n {2}\[(critical|warning)\] queue wait is \d+ % of p95/);
  }, 90_000);
});
