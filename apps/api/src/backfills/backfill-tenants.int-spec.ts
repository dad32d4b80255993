// Issue 15 (isolation): backfill ids are chosen by users and guessable (`support-2023`). With two
// API keys (two tenants) key B read key A's backfill status, results (passthrough fields such as
// `user: alice@example.com` included), errors and roll-ups, and could not use the id for its own
// file. Each tenant's ids are its own now; another tenant's backfill answers exactly as a missing one.
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { backfillJobId } from '@emo/queue';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { testAuth as authA, testAuthB as authB, testTwoTenantsEnv, useApiTestHarness } from '../testing/api-test-harness';
import { apiRedisTargets } from '../testing/redis-targets';

const fake: Classifier = {
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    return texts.map((t) => ({ labels: [{ label: t.includes('love') ? 'love' : 'neutral', score: 0.9 }], model: 'fake@1' }));
  },
};

const line = (id: string, user: string, text: unknown) => JSON.stringify({ id, conversation_id: 'c1', user, text });
/** A's export: one bad line (its text is not a string), so /errors has something to leak. */
const linesOfA = [line('a1', 'alice@example.com', 'I love it'), line('a2', 'alice@example.com', 42), line('a3', 'al', 'fine')];
const linesOfB = [line('b1', 'bob@example.org', 'ok'), line('b2', 'bob@example.org', 'I love this')];

type Reply = Awaited<ReturnType<ReturnType<typeof useApiTestHarness>['request']>>;

describe.each(apiRedisTargets())('backfills of two tenants, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('bf-tenants', { ...env, JOB_CHUNK_SIZE: '2', CACHE_ENABLED: 'false', ...testTwoTenantsEnv });
  const request = h.request;
  const get = (auth: Record<string, string>, url: string) => request({ method: 'GET', url, headers: auth });
  const upload = (auth: Record<string, string>, id: string, lines: string[]) =>
    request({
      method: 'POST',
      url: `/v1/backfills?id=${id}&id_field=id`,
      payload: Readable.from(lines.map((l) => `${l}\n`)),
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
    });
  const completed = (auth: Record<string, string>, id: string) =>
    expect.poll(async () => (await get(auth, `/v1/backfills/${id}`)).json().state, { timeout: 10_000 }).toBe('completed');

  /** `foreign` (about an id only another tenant has) is the answer about an id nobody has, with the id swapped in. */
  function expectAnsweredAsMissing(foreign: Reply, missing: Reply, id: string, missingId: string): void {
    expect([foreign.statusCode, foreign.json().error.code]).toEqual([404, 'BACKFILL_NOT_FOUND']);
    expect([foreign.statusCode, foreign.headers['content-type']]).toEqual([missing.statusCode, missing.headers['content-type']]);
    expect(foreign.body).toBe(missing.body.split(missingId).join(id));
  }

  it("answers B's reads of A's backfill (status, results, errors, roll-ups, events) exactly as for a missing one", async () => {
    await h.start();
    h.startConsumer(fake, { interactive: 1, bulk: 2 });
    expect((await upload(authA, 'support-2023', linesOfA)).statusCode).toBe(202);
    await completed(authA, 'support-2023');
    for (const path of ['', '/results', '/results?offset=1', '/errors', '/rollups?by=user', '/events']) {
      const foreign = await get(authB, `/v1/backfills/support-2023${path}`);
      expectAnsweredAsMissing(foreign, await get(authB, `/v1/backfills/support-2024${path}`), 'support-2023', 'support-2024');
      expect(foreign.body).not.toContain('alice');
    }
    // A reads its own.
    expect((await get(authA, '/v1/backfills/support-2023/results')).body).toContain('alice@example.com');
    expect((await get(authA, '/v1/backfills/support-2023/errors')).body).toContain('"a2"');
    expect((await get(authA, '/v1/backfills/support-2023/rollups?by=user')).body).toContain('alice@example.com');
  });

  it('lets B own `support-2023` too, independent of A: its own file, results and counts on both sides', async () => {
    await h.start();
    h.startConsumer(fake, { interactive: 1, bulk: 2 });
    expect((await upload(authA, 'support-2023', linesOfA)).json()).toMatchObject({ created: true, total: 3 });
    await completed(authA, 'support-2023');
    // Another file under the same id: before, a conflict with A's (409), or A's backfill resumed.
    const b = await upload(authB, 'support-2023', linesOfB);
    expect([b.statusCode, b.json().created, b.json().total]).toEqual([202, true, 2]);
    await completed(authB, 'support-2023');
    const ids = async (auth: Record<string, string>) =>
      (await get(auth, '/v1/backfills/support-2023/results')).body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id);
    expect(await ids(authA)).toEqual(['a1', 'a2', 'a3']);
    expect(await ids(authB)).toEqual(['b1', 'b2']);
    expect((await get(authB, '/v1/backfills/support-2023/rollups?by=user')).body).not.toContain('alice');
    expect((await get(authA, '/v1/backfills/support-2023')).json()).toMatchObject({ total: 3, failed: 1, upload: { attempts: 1 } });
    expect((await get(authB, '/v1/backfills/support-2023')).json()).toMatchObject({ total: 2, failed: 0, upload: { attempts: 1 } });
    // B's same file again resumes B's, not A's.
    expect((await upload(authB, 'support-2023', linesOfB)).json()).toMatchObject({ created: false, skipped_chunks: 1 });
  });

  it("keeps A's backfill out of /v1/jobs for anyone: B's cancel is a 404 and A's backfill goes on", async () => {
    await h.start(); // no worker: A's backfill stays queued, so a cancel would take effect
    expect((await upload(authA, 'support-2023', linesOfA)).statusCode).toBe(202);
    const jobId = backfillJobId(h.tenantId(), 'support-2023');
    for (const auth of [authB, authA]) {
      const del = await request({ method: 'DELETE', url: `/v1/jobs/${jobId}`, headers: auth });
      expect([del.statusCode, del.json().error.code]).toEqual([404, 'JOB_NOT_FOUND']);
      expect((await get(auth, `/v1/jobs/${jobId}`)).statusCode).toBe(404);
    }
    expect((await get(authA, '/v1/backfills/support-2023')).json()).toMatchObject({ state: 'queued' });
    expect((await h.api.fleet.queues.counts('bulk')).backlog).toBe(2);
  });
});
