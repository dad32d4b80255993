// The test Redis of a vitest run, chosen once by the global setup (issue 17), in this order:
//   1. TEST_REDIS_URL, when set: the operator's choice, used as is (it must answer PING);
//   2. a container runtime that answers: `redis:7` through @testcontainers/redis (the runtime probe
//      fails in a few ms where there is none, e.g. "Could not find a working container runtime
//      strategy"; it is capped at RUNTIME_PROBE_MS anyway, so a dead socket cannot hang the run);
//   3. else a redis-server child process of our own on a free loopback port (bench/src/redis-server.ts).
// Paths 2 and 3 run `--save "" --appendonly no --maxmemory-policy noeviction` (BullMQ needs noeviction)
// and are stopped by the global teardown. The machine's shared Redis at 127.0.0.1:6379 is never used
// unless TEST_REDIS_URL names it (testRedisPortProblem).
import { RedisServer, redisServerVersion } from '../../bench/src/redis-server';
import { redisAnswersPing } from '../../bench/src/redis-command';
import { acquireShared } from './shared-resource';

/** The Redis arguments of the test Redis, whichever way it is started. */
export const TEST_REDIS_ARGS = ['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'] as const;
/** How long the container runtime probe may take before we fall back to our own redis-server. */
export const RUNTIME_PROBE_MS = 5_000;
/** How long starting the redis:7 container (a pull included) may take before we fall back. */
export const CONTAINER_START_MS = 180_000;

export type TestRedisSource = 'TEST_REDIS_URL' | 'testcontainers' | 'redis-server';

export interface TestRedis {
  readonly source: TestRedisSource;
  readonly url: string;
  /** The line the setup prints once: which path ran and where. */
  readonly description: string;
  /** Stops what was started (nothing for TEST_REDIS_URL). */
  stop(): Promise<void>;
}

/** The reason the test Redis could not be had (REQUIRE_REDIS=1 turns it into a failed run). */
export class NoTestRedis {
  constructor(readonly problem: string) {}
}

/** A URL with its password masked, for printing. */
export const maskUrl = (url: string): string => url.replace(/\/\/([^@/]*)@/, '//***@');

/**
 * Why `url` must not be the test Redis: port 6379 (the machine's shared Redis, and every default
 * REDIS_URL) is only acceptable when the operator chose it with TEST_REDIS_URL.
 */
export function testRedisPortProblem(source: TestRedisSource, url: string): string | undefined {
  if (source === 'TEST_REDIS_URL') return undefined;
  const u = new URL(url);
  const port = Number(u.port || 6379);
  return port === 6379 ? `the ${source} test Redis is on port 6379 (${maskUrl(url)}), the shared Redis's port` : undefined;
}

const withTimeout = <T>(work: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what}: no answer within ${ms} ms`)), ms);
    work.then(
      (v) => (clearTimeout(timer), done(v)),
      (e: unknown) => (clearTimeout(timer), fail(e instanceof Error ? e : new Error(String(e)))),
    );
  });

/** redis:7 in a container, or the reason there is none (no runtime: a few ms; never longer than the caps). */
async function startContainer(): Promise<TestRedis | NoTestRedis> {
  let testcontainers: typeof import('testcontainers');
  let redisModule: typeof import('@testcontainers/redis');
  try {
    [testcontainers, redisModule] = await Promise.all([import('testcontainers'), import('@testcontainers/redis')]);
  } catch (e) {
    return new NoTestRedis(`testcontainers does not load: ${(e as Error).message}`);
  }
  try {
    await withTimeout(testcontainers.getContainerRuntimeClient(), RUNTIME_PROBE_MS, 'container runtime probe');
  } catch (e) {
    return new NoTestRedis(`no container runtime (${(e as Error).message})`);
  }
  try {
    const started = await withTimeout(
      new redisModule.RedisContainer('redis:7').withCommand(['redis-server', ...TEST_REDIS_ARGS]).start(),
      CONTAINER_START_MS,
      'starting redis:7',
    );
    const url = started.getConnectionUrl();
    return {
      source: 'testcontainers',
      url,
      description: `testcontainers redis:7 at ${maskUrl(url)}`,
      stop: () => started.stop().then(() => undefined),
    };
  } catch (e) {
    return new NoTestRedis(`the redis:7 container did not start (${(e as Error).message})`);
  }
}

/** A redis-server of our own on a free loopback port, or the reason there is none. */
async function startOwnServer(why: string): Promise<TestRedis | NoTestRedis> {
  const version = redisServerVersion();
  if (version === undefined) return new NoTestRedis(`redis-server is not installed (apt-get install -y redis-server; ${why})`);
  try {
    const server = await RedisServer.start({ extraArgs: TEST_REDIS_ARGS });
    return {
      source: 'redis-server',
      url: server.url,
      description: `own redis-server ${version} on ${server.host}:${server.port} (${why})`,
      stop: () => server.close(),
    };
  } catch (e) {
    return new NoTestRedis(`our own redis-server did not start (${why}): ${(e as Error).message}`);
  }
}

/**
 * Gets the test Redis by the first path that works (see the header); the description of our own
 * redis-server says why testcontainers was passed over. Checks the result against testRedisPortProblem.
 */
export async function startTestRedis(testRedisUrl: string | undefined): Promise<TestRedis | NoTestRedis> {
  let chosen: TestRedis | NoTestRedis;
  if (testRedisUrl) {
    chosen = (await redisAnswersPing(testRedisUrl, 2000))
      ? { source: 'TEST_REDIS_URL', url: testRedisUrl, description: `TEST_REDIS_URL ${maskUrl(testRedisUrl)}`, stop: async () => undefined }
      : new NoTestRedis(`TEST_REDIS_URL ${maskUrl(testRedisUrl)} does not answer PING`);
  } else {
    const container = await startContainer();
    chosen = container instanceof NoTestRedis ? await startOwnServer(`testcontainers: ${container.problem}`) : container;
  }
  if (chosen instanceof NoTestRedis) return chosen;
  const portProblem = testRedisPortProblem(chosen.source, chosen.url);
  if (portProblem) {
    await chosen.stop();
    return new NoTestRedis(portProblem);
  }
  return chosen;
}

/**
 * One test Redis per vitest process, shared by the root's and every project's global setup
 * (shared-resource.ts): each setup takes it with `acquire` and gives it back with the returned
 * release; the last release stops it.
 */
export async function acquireTestRedis(
  testRedisUrl: string | undefined,
): Promise<{ redis: TestRedis | NoTestRedis; first: boolean; release: () => Promise<void> }> {
  const {
    value: redis,
    first,
    release,
  } = await acquireShared(
    Symbol.for('emo.testing.testRedis'),
    () => startTestRedis(testRedisUrl),
    async (started) => {
      if (!(started instanceof NoTestRedis)) await started.stop();
    },
  );
  return { redis, first, release };
}
