// The fleet's apps on a Redis Cluster (issue 18): a real `emo serve api` and `emo serve worker`
// (tiny model) with REDIS_CLUSTER_NODES and CACHE_REDIS_CLUSTER_NODES naming the 3-master test
// cluster (started by the global setup with REQUIRE_REDIS_CLUSTER=1, as .ci/run does; skipped
// without it). A bulk job, /v1/classify calls (texts a worker classified: from the L2 cache), an NDJSON backfill,
// the fleet-wide profile and readiness go through the cluster; the job's and the backfill's keys are found on the
// cluster under their hash tags, and none of the fleet's keys on the one test Redis (REDIS_URL,
// which spawnServe requires, is set but unused).
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fleetEnv, freePort, spawnServe, stopAll, TINY_MODEL, type FleetProcess } from './fleet/fleet-processes';
import { loadConfig } from '@emo/config';
import { FleetClient } from '@emo/queue';
import { CacheNamespace, readAdvertisedModel } from '@emo/cache';

const KEY = 'e2e-cluster-key-0123';
const NODES = inject('redisClusterNodes');
const items = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${tag}${i}`, text: `so happy ${tag} ${i}` }));

async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 40_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(NODES === '')('the fleet on a Redis Cluster (emo serve api + worker)', () => {
  const prefix = `e2e-cluster-${randomUUID().slice(0, 8)}`;
  let base = '';
  let api: FleetProcess | undefined;
  let worker: FleetProcess | undefined;
  let cluster: Cluster;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The worker first: it advertises its model in the cache Redis before it is ready, and the API
    // keys its cache to that model at start (it would look again only after 10 s).
    const env = {
      ...fleetEnv({ prefix, redisUrl: inject('redisUrl'), port, model: TINY_MODEL, apiKey: KEY }),
      REDIS_CLUSTER_NODES: NODES,
      CACHE_REDIS_CLUSTER_NODES: NODES,
      JOB_CHUNK_SIZE: '16',
      API_ADMIN_KEYS: KEY, // GET /v1/profile
      PROFILER_PUBLISH_INTERVAL_MS: '250',
      // L2 reads and writes give up after 50 ms by default: on a loaded test machine that would turn
      // the cache checks below into misses; here L2 must answer, however slowly.
      CACHE_L2_TIMEOUT_MS: '10000',
    };
    worker = await spawnServe('worker', env, 'worker ready');
    api = await spawnServe('api', env, 'api listening');
    cluster = new Cluster(NODES.split(',').map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) })));
  }, 60_000);

  afterAll(async () => {
    await stopAll([api, worker]);
    const fleet = new FleetClient(loadConfig({ REDIS_CLUSTER_NODES: NODES }, { queuePrefix: prefix }));
    try {
      await fleet.purge();
    } finally {
      await fleet.close();
      await cluster?.quit();
    }
  }, 30_000);

  /** Every key matching `pattern` on every master of the cluster. */
  const clusterKeys = async (pattern: string) => (await Promise.all(cluster.nodes('master').map((n) => n.keys(pattern)))).flat();

  /** Submits a bulk job and waits until it completed; its id. */
  const runJob = async (job: { id: string; text: string }[]) => {
    const submitted = await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ items: job }) });
    expect(submitted.status).toBe(202);
    const jobId = ((await submitted.json()) as { job_id: string }).job_id;
    await poll(
      async () => ((await (await fetch(`${base}/v1/jobs/${jobId}`, { headers })).json()) as { state: string }).state,
      (s) => s === 'completed',
      'job completed',
    );
    return jobId;
  };
  const metric = async (line: RegExp) => Number(line.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);

  it('runs a bulk job through the cluster: every result once, in input order; its record under its own hash tag', async () => {
    const job = items('j', 100);
    const jobId = await runJob(job);
    const res = await fetch(`${base}/v1/jobs/${jobId}/results`, { headers });
    expect(res.headers.get('x-results-complete')).toBe('true');
    const lines = (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; labels?: unknown[] });
    expect(lines.map((l) => l.id)).toEqual(job.map((i) => i.id));
    expect(lines.every((l) => Array.isArray(l.labels))).toBe(true);
    // On the cluster, under the job's tag (and BullMQ's queues under the prefix's tag).
    expect(await cluster.exists(`${prefix}:fleet:job:{${jobId}}`, `${prefix}:fleet:job:{${jobId}}:results`)).toBe(2);
    expect(await clusterKeys(`{${prefix}}:bulk:*`)).not.toEqual([]);
  }, 60_000);

  it('answers /v1/classify through the cluster, texts a worker classified from the L2 cache on the cluster', async () => {
    const classify = async (texts: string[]) => {
      const res = await fetch(`${base}/v1/classify`, { method: 'POST', headers, body: JSON.stringify({ texts }) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { results: { labels: unknown[] }[] }).results;
    };
    expect(api!.logs.some((l) => l.includes('"msg":"API result cache keyed to the served model"'))).toBe(true);
    const fresh = await classify(['so happy', 'awful day']);
    expect(fresh.every((r) => Array.isArray(r.labels))).toBe(true);
    // The worker wrote these texts' results to the L2 cache (on the cluster); the API never saw them.
    const job = items('l2-', 3);
    await runJob(job);
    // The worker writes L2 after it stored the chunk: wait for these texts' keys on the cluster.
    const model = await readAdvertisedModel(cluster, prefix);
    expect(model).toBeDefined();
    const namespace = new CacheNamespace(prefix, model!);
    await poll(
      async () => (await Promise.all(job.map((i) => cluster.exists(namespace.key(i.text))))).join(),
      (v) => v === '1,1,1',
      'L2 keys on the cluster',
    );
    const l2Hits = /^emo_cache_hits_total\{level="l2"\} (\d+)$/m;
    const firstSightings = /^emo_cache_first_sightings_total (\d+)$/m;
    const before = await metric(l2Hits);
    const seenBefore = await metric(firstSightings);
    // New to the API (CACHE_API_LOOKUP=second-sighting): passed to the fleet, whose worker reads L2.
    expect(await classify(job.map((i) => i.text))).toHaveLength(3);
    expect([(await metric(firstSightings)) - seenBefore, (await metric(l2Hits)) - before]).toEqual([3, 0]);
    // Seen before: the API reads them from L2 on the cluster (one MGET per slot) without the fleet.
    expect(await classify(job.map((i) => i.text))).toHaveLength(3);
    expect((await metric(l2Hits)) - before).toBe(3);
    expect(await metric(/^emo_queue_redis_up (\d+)$/m)).toBe(1);
  }, 60_000);

  it('takes an NDJSON backfill and serves its results in input order; its inputs and results share the backfill tag', async () => {
    const lines = items('b', 50);
    const body = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"id": broken\n`;
    const posted = await fetch(`${base}/v1/backfills?id=cluster1&id_field=id`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(posted.status).toBe(202);
    await poll(
      async () => ((await (await fetch(`${base}/v1/backfills/cluster1`, { headers })).json()) as { state: string }).state,
      (s) => s === 'completed',
      'backfill completed',
    );
    const out = (await (await fetch(`${base}/v1/backfills/cluster1/results`, { headers })).text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line: number; id?: string; labels?: unknown[]; error?: { code: string } });
    expect(out.map((l) => l.line)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    expect(out.slice(0, 50).map((l) => l.id)).toEqual(lines.map((l) => l.id));
    expect(out.slice(0, 50).every((l) => Array.isArray(l.labels))).toBe(true);
    expect(out[50].error?.code).toBe('LINE_MALFORMED');
    const tagged = await clusterKeys(`${prefix}:fleet:job:{bf-*}*`);
    expect(tagged.length).toBeGreaterThanOrEqual(3); // record, results, inputs
    expect(new Set(tagged.map((k) => /\{[^}]*\}/.exec(k)?.[0])).size).toBe(1);
  }, 60_000);

  it("reports the fleet-wide profile: the API's and the worker's windows, read in one MGET on the cluster", async () => {
    const sources = await poll(
      async () => ((await (await fetch(`${base}/v1/profile`, { headers })).json()) as { sources?: unknown }).sources,
      (s) => JSON.stringify(s) === JSON.stringify({ workers: 1, apis: 1, cli: 0 }),
      'profile of both processes',
    );
    expect(sources).toEqual({ workers: 1, apis: 1, cli: 0 });
  }, 60_000);

  it('is ready on the cluster, and left nothing on the one test Redis', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const single = new Redis(inject('redisUrl'));
    try {
      expect([...(await single.keys(`${prefix}*`)), ...(await single.keys(`{${prefix}}*`))]).toEqual([]);
    } finally {
      await single.quit();
    }
  });
});
