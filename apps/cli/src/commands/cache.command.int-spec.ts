// `emo cache warm|stats|flush` against the test Redis and the test Redis Cluster (CACHE_REDIS_CLUSTER_NODES;
// skipped without one, started by the global setup with REQUIRE_REDIS_CLUSTER=1), in a namespace of its own (QUEUE_PREFIX).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { createCacheRedis, measureNamespace, unlinkMatching, type CacheRedis } from '@emo/cache';
import { parseClusterNode, type RedisEndpoint } from '@emo/config';
import { runCliCaptured, testEnv } from '../testing/run-cli-captured';

const dir = mkdtempSync(join(tmpdir(), 'emo-cache-spec-'));
const phrases = join(dir, 'phrases.txt');
writeFileSync(phrases, '# greetings\nthank you so much\n\nthis is awful\r\nI love it\n');
const prefix = `cli-cache-spec-${process.pid}-${Date.now()}`;

const clusterNodes = inject('redisClusterNodes');
/** Where the cache is: the one test Redis (the queue's REDIS_URL), or the test cluster named by CACHE_REDIS_CLUSTER_NODES. */
const TARGETS: { name: string; available: boolean; env: Record<string, string>; endpoint: RedisEndpoint }[] = [
  { name: 'Redis', available: inject('redisAvailable'), env: {}, endpoint: { kind: 'single', url: inject('redisUrl') } },
  {
    name: 'a Redis Cluster',
    available: clusterNodes !== '',
    env: { CACHE_REDIS_CLUSTER_NODES: clusterNodes },
    endpoint: { kind: 'cluster', nodes: clusterNodes.split(',').filter(Boolean).map(parseClusterNode) },
  },
];

describe.each(TARGETS)('emo cache ($name)', ({ available, env: targetEnv, endpoint }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const cluster = endpoint.kind === 'cluster';
  let namespaces = 0;
  /** A namespace of its own per test; LOG_LEVEL=error: the warning about the eviction policy is expected here. */
  const freshEnv = () =>
    testEnv({
      REDIS_URL: inject('redisUrl'),
      ...targetEnv,
      QUEUE_PREFIX: `${prefix}-${cluster ? 'cluster' : 'one'}-${++namespaces}`,
      LOG_LEVEL: 'error',
    });
  const connect = async (target: string | RedisEndpoint): Promise<CacheRedis> => {
    const redis = createCacheRedis(target, 5000);
    await redis.connect();
    return redis;
  };
  const json = async (args: string[], env: ReturnType<typeof freshEnv>) => {
    const run = await runCliCaptured(['cache', ...args, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };

  afterAll(async () => {
    const redis = await connect(endpoint);
    await unlinkMatching(redis, `${prefix}-*`);
    redis.disconnect();
  });

  it('warms the phrases of a file (comments and blank lines skipped), then finds them cached', async () => {
    const env = freshEnv();
    expect(await json(['warm', '--file', phrases], env)).toMatchObject({
      model: expect.stringMatching(/^tiny-softmax@/),
      texts: 3,
      computed: 3,
      alreadyCached: 0,
      errors: 0,
    });
    const again = await runCliCaptured(['cache', 'warm', '--file', phrases], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^warmed 3 phrases for tiny-softmax@[0-9a-f]{12}: 0 computed, 3 already cached, 0 errors, \d+ ms\n$/);
  });

  it('stores every phrase even when Redis answers slower than the request-path CACHE_L2_TIMEOUT_MS', async () => {
    const env = { ...freshEnv(), CACHE_L2_TIMEOUT_MS: '1' };
    expect(await json(['warm', '--file', phrases], env)).toMatchObject({ computed: 3 });
    expect(await json(['stats'], env)).toMatchObject({ keys: 3 });
  });

  it("reports the model's keys in its namespace, as JSON and for people", async () => {
    const env = freshEnv();
    await json(['warm', '--file', phrases], env);
    const report = await json(['stats'], env);
    expect(report).toMatchObject({ model: expect.stringMatching(/^tiny-softmax@/), keys: 3, keysAllRevisions: 3 });
    expect(String(report.namespace).startsWith(`${env.QUEUE_PREFIX}:cache:`)).toBe(true);
    const human = await runCliCaptured(['cache', 'stats'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^keys +3 \(~\d+ bytes\); all revisions: 3$/m);
    expect(human.stdout).toMatch(/^eviction policy +\S+ \([\w-]+\)/m);
    if (cluster) {
      // Every master was read: the policy check and INFO, and the keys are on the cluster, not on the queue's Redis.
      expect(report).toMatchObject({ policy: { masters: 3 } });
      expect(human.stdout).toMatch(/^redis memory .* \(3 cluster masters, summed\)$/m);
      const [onCluster, onQueueRedis] = [await connect(endpoint), await connect(inject('redisUrl'))];
      try {
        expect((await measureNamespace(onCluster, `${env.QUEUE_PREFIX}:cache:*`, 0)).keys).toBe(3);
        expect((await measureNamespace(onQueueRedis, `${env.QUEUE_PREFIX}:cache:*`, 0)).keys).toBe(0);
      } finally {
        onCluster.disconnect();
        onQueueRedis.disconnect();
      }
    }
  });

  it("flushes the model revision's keys only, and says how many", async () => {
    const env = freshEnv();
    const other = freshEnv();
    await json(['warm', '--file', phrases], env);
    await json(['warm', '--file', phrases], other);
    expect(await json(['flush'], env)).toMatchObject({
      removed: 3,
      pattern: expect.stringMatching(new RegExp(`^${env.QUEUE_PREFIX}:cache:tiny-softmax@`)),
    });
    expect(await json(['stats'], env)).toMatchObject({ keys: 0 });
    expect(await json(['stats'], other)).toMatchObject({ keys: 3 });
    const human = await runCliCaptured(['cache', 'flush', '--all-revisions'], other);
    expect(human.stdout).toMatch(new RegExp(`^removed 3 cached results matching ${other.QUEUE_PREFIX}:cache:tiny-softmax@`));
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('emo cache errors', () => {
  const unreachable = testEnv({ REDIS_URL: 'redis://cacheuser:sekret-pass@127.0.0.1:9/0', QUEUE_PREFIX: `${prefix}-down` });

  it.each([['stats'], ['flush']])('%s: CACHE_UNAVAILABLE (exit 1) naming the Redis without its password', async (sub) => {
    const sut = await runCliCaptured(['cache', sub], unreachable);
    expect(sut.code).toBe(1);
    expect(sut.stderr).toMatch(/^emo: CACHE_UNAVAILABLE: cannot reach the cache Redis at redis:\/\/\*\*\*@127\.0\.0\.1:9\/0 /);
    expect(sut.stderr).not.toContain('sekret');
  });

  it('warm: names a phrase file that cannot be read (exit 2)', async () => {
    const sut = await runCliCaptured(['cache', 'warm', '--file', join(tmpdir(), 'no-such-phrases.txt')], unreachable);
    expect(sut.code).toBe(2);
    expect(sut.stderr).toMatch(/^emo: CLI_USAGE: cannot read warm list .*no-such-phrases\.txt/);
  });

  describe('stats --url (a running API)', () => {
    let server: Server | undefined;
    const seen: { url?: string; auth?: string }[] = [];
    /** Answers like the API: 401 UNAUTHORIZED without a key, 403 FORBIDDEN for another key than api-key-0001. */
    const api = async (status: number, body: unknown) => {
      const created = createServer((req, res) => {
        seen.push({ url: req.url, auth: req.headers.authorization });
        const auth = req.headers.authorization;
        const [code, answer] =
          auth === undefined
            ? [401, { error: { code: 'UNAUTHORIZED', message: 'Missing API key' } }]
            : auth !== 'Bearer api-key-0001'
              ? [403, { error: { code: 'FORBIDDEN', message: 'Invalid API key' } }]
              : [status, body];
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
      server = created;
      await new Promise<void>((r) => created.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(created.address() as AddressInfo).port}`;
    };
    afterEach(() => new Promise<void>((r) => (server?.listening ? server.close(() => r()) : r())));

    it("prints the API's cache stats, one JSON line with --json", async () => {
      const url = await api(200, { l1: { hits: 4 }, l2: { state: 'up' } });
      const sut = await runCliCaptured(['cache', 'stats', '--url', url, '--api-key', 'api-key-0001', '--json'], unreachable);
      expect(sut).toEqual({ code: 0, stdout: '{"l1":{"hits":4},"l2":{"state":"up"}}\n', stderr: '' });
    });

    it.each([
      ['EMO_API_KEY', { EMO_API_KEY: 'api-key-0001' }],
      ['API_KEYS (a fleet configured on this machine)', { API_KEYS: 'api-key-0001' }],
    ])('sends the key of %s in the Authorization header when --api-key is not given, never in the URL', async (_, extra) => {
      const url = await api(200, { l1: { hits: 1 } });
      seen.length = 0;
      const sut = await runCliCaptured(['cache', 'stats', '--url', url, '--json'], { ...unreachable, ...extra });
      expect(sut).toEqual({ code: 0, stdout: '{"l1":{"hits":1}}\n', stderr: '' });
      expect(seen).toEqual([{ url: '/v1/cache/stats', auth: 'Bearer api-key-0001' }]);
    });

    it('refuses a --url that is not an http(s) URL, and names an API that does not answer', async () => {
      expect(await runCliCaptured(['cache', 'stats', '--url', 'notaurl'], unreachable)).toEqual({
        code: 2,
        stdout: '',
        stderr: 'emo: CLI_USAGE: --url must be a URL such as http://localhost:8080, got notaurl\n',
      });
      const down = await runCliCaptured(['cache', 'stats', '--url', 'http://127.0.0.1:9'], unreachable);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/^emo: CACHE_UNAVAILABLE: could not reach the API at http:\/\/127\.0\.0\.1:9 \(.+\)\n$/);
    });

    it('says UNAUTHORIZED, and how to give a key, when the API wants one (401)', async () => {
      const url = await api(200, {});
      const sut = await runCliCaptured(['cache', 'stats', '--url', url], unreachable);
      expect(sut).toEqual({
        code: 1,
        stdout: '',
        stderr: 'emo: UNAUTHORIZED: GET /v1/cache/stats answered 401: the API wants a key; pass --api-key or set EMO_API_KEY\n',
      });
    });

    it('says FORBIDDEN when the API refuses the key (403), without repeating the key', async () => {
      const url = await api(200, {});
      const sut = await runCliCaptured(['cache', 'stats', '--url', url, '--api-key', 'wrong-key-0000'], unreachable);
      expect(sut.code).toBe(1);
      expect(sut.stderr).toMatch(/^emo: FORBIDDEN: GET \/v1\/cache\/stats answered 403: the API key was refused/);
      expect(sut.stderr).not.toContain('wrong-key-0000');
    });
  });
});
