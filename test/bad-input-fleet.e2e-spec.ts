// The API's bad-input contract (README, "Bad input") on a real fleet: `emo serve api` and one
// `emo serve worker` process (tiny model, result cache on) over HTTP. A text that is not a string
// is its own item's TEXT_NOT_STRING on POST /v1/classify and in a job's result lines (where the
// worker's engine and its result cache meet the non-string), the other items are classified;
// a body without a JSON Content-Type is 415 UNSUPPORTED_MEDIA_TYPE.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fleetEnv, freePort, startFleet, stopFleet, TINY_MODEL, type FleetProcess } from './fleet/fleet-processes';

const KEY = 'e2e-bad-input-key-0123';
const NON_STRINGS = [5, null, { text: 'so happy' }, ['so happy'], false];

const codeOf = (o: { labels?: unknown[]; error?: { code: string } }) => o.error?.code ?? (Array.isArray(o.labels) ? 'ok' : 'neither');

describe.skipIf(!inject('redisAvailable'))('bad input on a real fleet', () => {
  const prefix = `e2e-badin-${randomUUID().slice(0, 8)}`;
  let base = '';
  let processes: FleetProcess[] = [];
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const started = await startFleet(
      {
        ...fleetEnv({ prefix, redisUrl: inject('redisUrl'), port, model: TINY_MODEL, apiKey: KEY }),
        JOB_CHUNK_SIZE: '4',
      },
      1,
    );
    processes = [started.api, ...started.workers];
  }, 90_000);

  afterAll(async () => {
    await stopFleet(processes, inject('redisUrl'), prefix);
  }, 30_000);

  it('answers each non-string text of POST /v1/classify with TEXT_NOT_STRING in its place and classifies the others', async () => {
    const res = await fetch(`${base}/v1/classify`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ texts: ['so happy', ...NON_STRINGS, '  ', 'awful'] }),
    });
    expect(res.status).toBe(200);
    const results = ((await res.json()) as { results: { labels?: unknown[]; error?: { code: string } }[] }).results;
    expect(results.map(codeOf)).toEqual(['ok', ...NON_STRINGS.map(() => 'TEXT_NOT_STRING'), 'TEXT_EMPTY', 'ok']);
  }, 30_000);

  it("gives each non-string item of a job its TEXT_NOT_STRING line, in order with its id, from the worker's engine", async () => {
    const items = [{ id: 'a', text: 'so happy' }, ...NON_STRINGS.map((text, i) => ({ id: `n${i}`, text })), { id: 'z', text: 'awful' }];
    const created = await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ items }) });
    expect(created.status).toBe(202);
    const id = ((await created.json()) as { job_id: string }).job_id;
    await expect
      .poll(async () => ((await (await fetch(`${base}/v1/jobs/${id}`, { headers })).json()) as { state: string }).state, {
        timeout: 40_000,
        interval: 100,
      })
      .toBe('completed');
    const lines = (await (await fetch(`${base}/v1/jobs/${id}/results`, { headers })).text())
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { id: string; labels?: unknown[]; error?: { code: string; message: string } });
    expect(lines.map((l) => [l.id, codeOf(l)])).toEqual(items.map((i) => [i.id, typeof i.text === 'string' ? 'ok' : 'TEXT_NOT_STRING']));
    expect(lines[1].error?.message).toBe('Text must be a string, got number');
  }, 60_000);

  it('refuses a body without a JSON Content-Type with 415 UNSUPPORTED_MEDIA_TYPE naming application/json', async () => {
    const res = await fetch(`${base}/v1/classify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ texts: ['so happy'] }),
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect([res.status, body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(body.error.message).toContain('application/json');
  });
});
