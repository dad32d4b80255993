// Issue 17, the queue dashboard on the real API (Nest + Fastify through app.inject) and the real
// Redis: off by default; refused at start with authentication off unless explicitly allowed; behind
// the admin scope (401 without a key, 403 for an unknown or non-admin key, 200 for admin) on every
// path of the board, static files and odd spellings of its prefix included; both fleet queues
// listed by the board's API; chunk data shown without texts or item ids; read-only by default.
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { TEST_API_KEY, TEST_API_KEY_B, testAuth, testAuthB, testTwoTenantsEnv, useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets } from '../testing/redis-targets';

const ON = { ...testTwoTenantsEnv, API_ADMIN_KEYS: TEST_API_KEY, API_QUEUE_DASHBOARD: 'true' };
const QUEUES = '/admin/queues/api/queues';
type Board = { queues: { name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: { data: unknown }[] }[] };
const fake: Classifier = {
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    return texts.map(() => ({ labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' }));
  },
};

describe.each(apiRedisTargets())('Queue dashboard (issue 17), on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const harness = useApiTestHarness('dashboard', env);
  const send = (method: string, url: string, headers: Record<string, string> = {}) =>
    harness.request({ method: method as 'GET', url, headers });
  const codeOf = async (method: string, url: string, headers: Record<string, string> = {}) => {
    const res = await send(method, url, headers);
    return `${res.statusCode} ${res.statusCode >= 400 ? res.json().error.code : ''}`.trim();
  };

  it('is not served unless API_QUEUE_DASHBOARD is on', async () => {
    await harness.start({ ...testTwoTenantsEnv, API_ADMIN_KEYS: TEST_API_KEY });
    expect(await codeOf('GET', '/admin/queues', testAuth)).toBe('404 NOT_FOUND');
    expect(await codeOf('GET', QUEUES, testAuth)).toBe('404 NOT_FOUND');
    expect(await codeOf('POST', '/admin/session', testAuth)).toBe('404 NOT_FOUND');
  });

  it('refuses to start with authentication off, unless API_QUEUE_DASHBOARD_ALLOW_OPEN says so', async () => {
    await expect(harness.start({ API_KEYS: '', API_QUEUE_DASHBOARD: 'true' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('API_QUEUE_DASHBOARD_ALLOW_OPEN'),
    });
    await harness.start({
      API_KEYS: '',
      API_QUEUE_DASHBOARD: 'true',
      API_QUEUE_DASHBOARD_ALLOW_OPEN: 'true',
      API_QUEUE_DASHBOARD_READ_ONLY: 'false',
    });
    expect(await codeOf('GET', QUEUES)).toBe('200');
    // Open to anyone who reaches the port, but not to a page of another origin that posts to it.
    const foreign = { host: 'localhost:8080', origin: 'https://evil.example' };
    expect(await codeOf('PUT', `${QUEUES}/bulk/pause`, foreign)).toBe('403 CROSS_ORIGIN_REFUSED');
    expect(await harness.api.fleet.queues.queue('bulk').isPaused()).toBe(false);
    // Open mode has no sessions to sign in to.
    expect(await codeOf('POST', '/admin/session')).toBe('404 NOT_FOUND');
  });

  it('answers 401 without a key, 403 for an unknown or non-admin key, 200 for an admin key', async () => {
    await harness.start(ON);
    for (const url of ['/admin/queues', '/admin/queues/', QUEUES, '/admin/queues/queue/bulk', '/admin/queues/static/favicon-32x32.png']) {
      expect(await codeOf('GET', url), url).toBe('401 UNAUTHORIZED');
      expect(await codeOf('GET', url, { authorization: 'Bearer not-a-known-key-000' }), url).toBe('403 FORBIDDEN');
      expect(await codeOf('GET', url, testAuthB), url).toBe('403 SCOPE_MISSING');
      expect(await codeOf('GET', url, testAuth), url).toBe('200');
    }
    const page = await send('GET', '/admin/queues', testAuth);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-frame-options']).toBe('DENY');
    // The router decodes the path: a percent-encoded spelling of the prefix reaches no board route unauthenticated.
    for (const url of ['/admin/%71ueues/api/queues', '/admin/queues%2Fapi/queues', '/admin/queues/api/%71ueues']) {
      expect(['401 UNAUTHORIZED', '404 NOT_FOUND'], url).toContain(await codeOf('GET', url));
      expect(['403 SCOPE_MISSING', '404 NOT_FOUND'], url).toContain(await codeOf('GET', url, testAuthB));
    }
    // A key in the query string is refused here as everywhere (400, before authentication).
    expect(await codeOf('GET', `/admin/queues?api_key=${TEST_API_KEY}`)).toBe('400 API_KEY_IN_QUERY');
  });

  it("lists both fleet queues, with a chunk's tenant and size but not its texts or item ids", async () => {
    await harness.start(ON);
    const job = await harness.request({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...testAuthB, 'content-type': 'application/json' },
      payload: { items: [{ id: 'item-secret-31', text: 'text-secret-47 made my day' }], priority: 'interactive' },
    });
    expect(job.statusCode).toBe(202);
    const res = await send('GET', `${QUEUES}?activeQueue=interactive&status=waiting&page=1&jobsPerPage=10`, testAuth);
    expect(res.statusCode).toBe(200);
    const board = res.json<Board>();
    expect(board.queues.map((q) => q.name).sort()).toEqual(['bulk', 'interactive']);
    const interactive = board.queues.find((q) => q.name === 'interactive')!;
    expect(interactive.readOnlyMode).toBe(true);
    expect(interactive.jobs.map((j) => j.data)).toEqual([
      { job: job.json().job_id, tenant: harness.tenantId(TEST_API_KEY_B), chunk: 0, priority: 'interactive', texts: 1 },
    ]);
    expect(res.body).not.toContain('secret');
  });

  it('is read-only by default: a change is refused and changes nothing', async () => {
    await harness.start(ON);
    const bulk = harness.api.fleet.queues.queue('bulk');
    expect(await codeOf('PUT', `${QUEUES}/bulk/pause`, testAuth)).toBe('403 QUEUE_DASHBOARD_READ_ONLY');
    expect(await codeOf('PUT', `${QUEUES}/pause`, testAuth)).toBe('403 QUEUE_DASHBOARD_READ_ONLY');
    expect(await bulk.isPaused()).toBe(false);
  });

  it('with API_QUEUE_DASHBOARD_READ_ONLY=false lets admins act, and only admins', async () => {
    await harness.start({ ...ON, API_QUEUE_DASHBOARD_READ_ONLY: 'false' });
    const bulk = harness.api.fleet.queues.queue('bulk');
    expect(await codeOf('PUT', `${QUEUES}/bulk/pause`)).toBe('401 UNAUTHORIZED');
    expect(await codeOf('PUT', `${QUEUES}/bulk/pause`, testAuthB)).toBe('403 SCOPE_MISSING');
    expect(await bulk.isPaused()).toBe(false);
    expect((await send('PUT', `${QUEUES}/bulk/pause`, testAuth)).statusCode).toBeLessThan(300);
    expect(await bulk.isPaused()).toBe(true);
  });

  const completedChunks = async (keep: string) => {
    await harness.start({ ...ON, QUEUE_KEEP_COMPLETED_CHUNKS: keep });
    harness.startConsumer(fake, { interactive: 1, bulk: 1 });
    const headers = { ...testAuth, 'content-type': 'application/json' };
    const job = await harness.request({ method: 'POST', url: '/v1/jobs', headers, payload: { items: [{ text: 'thanks' }] } });
    const id = job.json().job_id as string;
    // Finished means BullMQ moved the chunk out of active (to completed, or deleted it): only then is the count final.
    const bulkQueue = harness.api.fleet.queues.queue('bulk');
    const unfinished = async () =>
      Object.values(await bulkQueue.getJobCounts('waiting', 'prioritized', 'delayed', 'active')).reduce((a, b) => a + b, 0);
    for (let polls = 0; (await unfinished()) > 0; polls++) if (polls > 5000) throw new Error(`job ${id}: its chunk never finished`);
    const res = await send('GET', `${QUEUES}?activeQueue=bulk&status=completed&page=1&jobsPerPage=10`, testAuth);
    const bulk = res.json<Board>().queues.find((q) => q.name === 'bulk')!;
    return { id, completed: bulk.counts.completed, jobs: bulk.jobs.map((j) => j.data) };
  };

  it('lists completed chunks only while QUEUE_KEEP_COMPLETED_CHUNKS keeps them (default: removed at once)', async () => {
    const kept = await completedChunks('5');
    expect(kept.completed).toBe(1);
    expect(kept.jobs).toEqual([{ job: kept.id, tenant: harness.tenantId(), chunk: 0, priority: 'bulk', texts: 1, weight: 1 }]);
  });

  it('keeps no completed chunk by default', async () => {
    const removed = await completedChunks('0');
    expect(removed.completed).toBe(0);
    expect(removed.jobs).toEqual([]);
  });
});
