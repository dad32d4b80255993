// Issue 15 (isolation): two API keys are two tenants. Each finding of the issue, as a user with
// `API_KEYS=key-a,key-b` saw it, on the real Redis over Fastify inject: key B read key A's job
// status and results, cancelled A's job, and shared A's idempotency keys (getting A's job back, or a
// 422 naming it). Another tenant's job must answer exactly as a missing one.
import { randomUUID } from 'node:crypto';
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { testAuth as authA, testAuthB as authB, testTwoTenantsEnv, useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets } from '../testing/redis-targets';

const fake: Classifier = {
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    return texts.map((t) => ({ labels: [{ label: t.length % 2 ? 'joy' : 'anger', score: 0.9 }], model: 'fake@1' }));
  },
};

const items = (...texts: string[]) => texts.map((text, i) => ({ id: `m${i}`, text }));

type Reply = Awaited<ReturnType<ReturnType<typeof useApiTestHarness>['request']>>;

describe.each(apiRedisTargets())('jobs of two tenants, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('job-tenants', { ...env, JOB_CHUNK_SIZE: '2', CACHE_ENABLED: 'false', ...testTwoTenantsEnv });
  const request = h.request;
  const submit = (auth: Record<string, string>, payload: object) => request({ method: 'POST', url: '/v1/jobs', payload, headers: auth });
  const get = (auth: Record<string, string>, url: string) => request({ method: 'GET', url, headers: auth });

  /** `foreign` (the answer about an id another tenant owns) is the answer about an id nobody has, with the id swapped in. */
  function expectAnsweredAsMissing(foreign: Reply, missing: Reply, id: string, missingId: string): void {
    expect(foreign.statusCode).toBe(404);
    expect([foreign.statusCode, foreign.headers['content-type']]).toEqual([missing.statusCode, missing.headers['content-type']]);
    expect(foreign.body).toBe(missing.body.split(missingId).join(id));
  }

  async function completedJobOfA(): Promise<string> {
    const created = await submit(authA, { items: items('thanks a lot', 'this is bad', 'user: alice@example.com') });
    expect(created.statusCode).toBe(202);
    const id = created.json().job_id as string;
    await expect.poll(async () => (await get(authA, `/v1/jobs/${id}`)).json().state, { timeout: 10_000 }).toBe('completed');
    return id;
  }

  it("answers B's reads of A's job status and results exactly as for a missing job", async () => {
    await h.start();
    h.startConsumer(fake, { interactive: 2, bulk: 2 });
    const id = await completedJobOfA();
    const missingId = randomUUID();
    for (const path of ['', '/results', '/results?offset=1']) {
      const foreign = await get(authB, `/v1/jobs/${id}${path}`);
      expectAnsweredAsMissing(foreign, await get(authB, `/v1/jobs/${missingId}${path}`), id, missingId);
      expect(foreign.body).not.toContain('alice@example.com');
      expect(foreign.json().error.code).toBe('JOB_NOT_FOUND');
    }
    // A still reads its own job.
    expect((await get(authA, `/v1/jobs/${id}`)).json()).toMatchObject({ job_id: id, state: 'completed', succeeded: 3 });
    expect((await get(authA, `/v1/jobs/${id}/results`)).body).toContain('"m2"');
  });

  it("answers B's DELETE of A's job as for a missing job, and A's job is not cancelled", async () => {
    await h.start(); // no worker: A's job stays queued, so a cancel would take effect
    const created = await submit(authA, { items: items('a', 'b', 'c', 'd') });
    const id = created.json().job_id as string;
    const missingId = randomUUID();
    const foreign = await request({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: authB });
    expectAnsweredAsMissing(foreign, await request({ method: 'DELETE', url: `/v1/jobs/${missingId}`, headers: authB }), id, missingId);
    expect((await get(authA, `/v1/jobs/${id}`)).json()).toMatchObject({ state: 'queued', cancelled: 0, done: 0 });
    expect((await h.api.fleet.queues.counts('bulk')).backlog).toBe(2);
    // A may cancel it.
    expect((await request({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: authA })).json()).toMatchObject({ state: 'cancelled' });
  });

  it("answers B's trace of A's job as for a missing job", async () => {
    // Traces need the admin scope: B's key has it here, and still sees only its own tenant's jobs.
    await h.start({ API_ADMIN_KEYS: testTwoTenantsEnv.API_KEYS, TRACING_ENABLED: 'true' });
    const id = (await submit(authA, { items: items('a') })).json().job_id as string;
    const missingId = randomUUID();
    const foreign = await get(authB, `/v1/jobs/${id}/trace`);
    expectAnsweredAsMissing(foreign, await get(authB, `/v1/jobs/${missingId}/trace`), id, missingId);
    expect((await get(authA, `/v1/jobs/${id}/trace`)).json()).toMatchObject({ job_id: id });
  });

  it("gives B its own job for an idempotency key A already used, and A's replay still gives A's job", async () => {
    await h.start();
    const payload = { items: items('same texts', 'in both'), idempotency_key: 'nightly-2024-01-01' };
    const a = await submit(authA, payload);
    const b = await submit(authB, payload);
    expect([a.statusCode, a.json().created, b.statusCode, b.json().created]).toEqual([202, true, 202, true]);
    expect(b.json().job_id).not.toBe(a.json().job_id);
    expect(b.body).not.toContain(a.json().job_id);
    const replayA = await submit(authA, payload);
    const replayB = await request({
      method: 'POST',
      url: '/v1/jobs',
      payload: { items: payload.items },
      headers: { ...authB, 'idempotency-key': payload.idempotency_key },
    });
    expect([replayA.statusCode, replayA.json().job_id, replayA.json().created]).toEqual([202, a.json().job_id, false]);
    expect([replayB.statusCode, replayB.json().job_id, replayB.json().created]).toEqual([202, b.json().job_id, false]);
  });

  it('refuses a reused idempotency key with another payload with 409 IDEMPOTENCY_CONFLICT, naming no job', async () => {
    await h.start();
    const key = 'import-42';
    const first = await submit(authA, { items: items('one', 'two'), idempotency_key: key });
    const jobId = first.json().job_id as string;
    const others = [
      { items: items('one', 'TWO'), idempotency_key: key }, // same count, other texts (was: 202 with the first job)
      { items: items('one', 'two', 'three'), idempotency_key: key }, // another count (was: 422 naming the job)
      { items: [{ id: 'x', text: 'one' }, items('one', 'two')[1]], idempotency_key: key }, // another item id
      { items: items('one', 'two'), idempotency_key: key, priority: 'interactive' },
      { items: items('one', 'two'), idempotency_key: key, include_scores: true },
    ];
    for (const payload of others) {
      const res = await submit(authA, payload);
      expect([res.statusCode, res.json().error.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
      expect(res.body).not.toContain(jobId);
    }
    // Nothing else was created or queued, and the key still names the first job.
    expect((await h.api.fleet.queues.counts('bulk')).backlog).toBe(1);
    expect((await submit(authA, { items: items('one', 'two'), idempotency_key: key })).json()).toMatchObject({
      job_id: jobId,
      created: false,
    });
  });

  it('gives one job to concurrent requests racing on one key with one payload, and 409 to the others', async () => {
    await h.start();
    const key = 'race';
    const same = await Promise.all(Array.from({ length: 8 }, () => submit(authA, { items: items('x', 'y'), idempotency_key: key })));
    const ids = new Set(same.map((r) => r.json().job_id));
    expect([same.every((r) => r.statusCode === 202), ids.size, same.filter((r) => r.json().created).length]).toEqual([true, 1, 1]);
    const other = await Promise.all(Array.from({ length: 4 }, () => submit(authA, { items: items('x', 'z'), idempotency_key: key })));
    expect(other.map((r) => r.statusCode)).toEqual([409, 409, 409, 409]);
  });
});
