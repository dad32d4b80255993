// The fleet end to end: one API and two worker processes on a unique QUEUE_PREFIX (tiny model).
// 10k texts in 3 jobs come back complete, in input order, exactly once; then one worker gets
// SIGTERM in the middle of a job: it exits 0 after its in-flight chunks and the job still
// completes with every result exactly once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fleetEnv, freePort, startFleet, stopFleet, TINY_MODEL, type FleetProcess } from './fleet/fleet-processes';

const KEY = 'e2e-fleet-key-0123';
const WORDS = ['love', 'hate', 'so', 'happy', 'sad', 'this', 'is', 'great', 'awful', 'thanks', 'why', 'not', 'wow', 'ok', 'meh', 'fine'];

function makeItems(job: string, n: number): { id: string; text: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${job}-${i}`,
    text: Array.from({ length: 3 + (i % 11) }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' '),
  }));
}

describe.skipIf(!inject('redisAvailable'))('fleet e2e', () => {
  const prefix = `e2e-fleet-${randomUUID().slice(0, 8)}`;
  let base = '';
  let api: FleetProcess | undefined;
  const workers: FleetProcess[] = [];
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      ...fleetEnv({ prefix, redisUrl: inject('redisUrl'), port, model: TINY_MODEL, apiKey: KEY }),
      JOB_CHUNK_SIZE: '64',
    };
    const started = await startFleet(env, 2);
    api = started.api;
    workers.push(...started.workers);
  }, 60_000);

  afterAll(async () => {
    await stopFleet([api, ...workers], inject('redisUrl'), prefix);
  }, 30_000);

  const submit = async (items: { id: string; text: string }[]): Promise<string> => {
    const res = await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ items }) });
    expect(res.status).toBe(202);
    return ((await res.json()) as { job_id: string }).job_id;
  };
  const status = async (id: string) =>
    (await (await fetch(`${base}/v1/jobs/${id}`, { headers })).json()) as { state: string; done: number; total: number; failed: number };
  const waitCompleted = async (id: string, timeoutMs = 40_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await status(id);
      if (s.state === 'completed') return s;
      if (Date.now() > end) throw new Error(`job ${id} not completed: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const expectExactlyOnce = async (id: string, items: { id: string }[]) => {
    const res = await fetch(`${base}/v1/jobs/${id}/results`, { headers });
    expect(res.headers.get('x-results-complete')).toBe('true');
    const lines = (await res.text())
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { id: string; labels?: unknown[]; error?: unknown });
    expect(lines.length).toBe(items.length);
    expect(lines.map((l) => l.id)).toEqual(items.map((i) => i.id));
    expect(lines.every((l) => Array.isArray(l.labels) && l.error === undefined)).toBe(true);
  };

  it('classifies 10k texts in 3 jobs: every result present, in input order, exactly once', async () => {
    const jobs = [makeItems('a', 3334), makeItems('b', 3333), makeItems('c', 3333)];
    const ids = await Promise.all(jobs.map(submit));
    for (const [k, id] of ids.entries()) {
      const s = await waitCompleted(id);
      expect(s).toMatchObject({ total: jobs[k].length, done: jobs[k].length, failed: 0 });
      await expectExactlyOnce(id, jobs[k]);
    }
  }, 60_000);

  it('answers GET /v1/jobs/:id?wait_ms= once the job has finished: one status call instead of a polling loop', async () => {
    const items = makeItems('w', 2000);
    const id = await submit(items);
    // Within 30 s this job finishes (the test above ran 10k texts in well under that), so the one
    // answer is the final state; a wait that ended early would answer queued or running.
    const res = await fetch(`${base}/v1/jobs/${id}?wait_ms=30000`, { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'completed', total: items.length, done: items.length, failed: 0 });
    await expectExactlyOnce(id, items);
    // A finished job answers at once, an unknown id 404, a wait past the cap or below 0 is a bad request.
    expect((await fetch(`${base}/v1/jobs/${id}?wait_ms=30000`, { headers })).status).toBe(200);
    expect((await fetch(`${base}/v1/jobs/nope?wait_ms=30000`, { headers })).status).toBe(404);
    for (const bad of ['30001', '-1', 'soon']) {
      const refused = await fetch(`${base}/v1/jobs/${id}?wait_ms=${bad}`, { headers });
      expect(refused.status, bad).toBe(422);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('REQUEST_INVALID');
    }
  }, 60_000);

  it('answers /v1/classify through the fleet', async () => {
    const res = await fetch(`${base}/v1/classify`, { method: 'POST', headers, body: JSON.stringify({ texts: ['so happy', 'awful'] }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: unknown[] }).results).toHaveLength(2);
  });

  it('keeps every result exactly once when a worker gets SIGTERM in the middle of a job', async () => {
    const items = makeItems('d', 12_000);
    const id = await submit(items);
    let s = await status(id);
    while (s.done === 0) {
      await new Promise((r) => setTimeout(r, 10));
      s = await status(id);
    }
    const [victim] = workers;
    victim.child.kill('SIGTERM');
    expect(s.done).toBeLessThan(s.total); // the signal really lands mid-job
    expect(await victim.exited).toBe(0);
    expect(victim.logs.some((l) => l.includes('"drained":true'))).toBe(true);
    const done = await waitCompleted(id);
    expect(done).toMatchObject({ total: items.length, done: items.length, failed: 0 });
    await expectExactlyOnce(id, items);
  }, 60_000);
});
