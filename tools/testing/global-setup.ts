// Vitest global setup: builds the bundles that tests spawn (inference worker thread, the
// `emo` CLI), gets the test Redis (test-redis.ts: TEST_REDIS_URL, else redis:7 through
// testcontainers where a container runtime answers, else a redis-server of our own on a free
// loopback port; never the machine's shared one at 6379) and finds out what else the environment
// offers: the shared data in ../shared, kubectl, what the chaos suite needs. Suites that need one
// skip on the provided flag (`redisAvailable`, `sharedAvailable`, `kubectlAvailable`,
// `chaosAvailable`, `browserAvailable`); with REQUIRE_REDIS=1, REQUIRE_SHARED=1, REQUIRE_KUBECTL=1,
// REQUIRE_CHAOS=1 or REQUIRE_BROWSER=1 (all set by .ci/run) a missing one fails the run instead.
// With REQUIRE_REDIS_CLUSTER=1 it also starts a 3-master test Redis Cluster (test-redis-cluster.ts,
// `redisClusterNodes`). The returned teardown gives both back (the last one stops them).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import {
  browserProblem,
  chaosProblem,
  CHROMIUM_PATH,
  kubectlKustomizeProblem,
  sharedDataProblem,
  sharedDir,
  unmetRequirements,
} from './requirements';
import { acquireTestRedis, NoTestRedis, type TestRedisSource } from './test-redis';
import { acquireTestRedisCluster, NoTestRedisCluster } from './test-redis-cluster';

/** What `redisUrl` is when no test Redis could be had (the suites skip): a closed port, failing at once. */
const NO_REDIS_URL = 'redis://127.0.0.1:1';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test Redis (noeviction, ours alone unless TEST_REDIS_URL names a shared one). */
    redisUrl: string;
    redisAvailable: boolean;
    /** Which path gave `redisUrl` (test-redis.ts); 'none' when there is no test Redis. */
    redisSource: TestRedisSource | 'none';
    /**
     * Seed nodes (`host:port,…`, what REDIS_CLUSTER_NODES takes) of the 3-master test Redis Cluster,
     * started only with REQUIRE_REDIS_CLUSTER=1 (test-redis-cluster.ts); '' when there is none.
     */
    redisClusterNodes: string;
    /** ../shared (absolute) and whether every file of SHARED_FILES (requirements.ts) is there. */
    sharedDir: string;
    sharedAvailable: boolean;
    /** `kubectl kustomize` runs here. */
    kubectlAvailable: boolean;
    /** Root, `ip netns` and redis-server: what the chaos suite (test/chaos) needs. */
    chaosAvailable: boolean;
    /** Debian's Chromium at `chromiumPath` runs: what the browser suite (test/browser) needs. */
    browserAvailable: boolean;
    chromiumPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [resolve(root, 'tools/build/build.mjs')], { stdio: 'inherit', cwd: root });
  const { redis, first, release } = await acquireTestRedis(process.env.TEST_REDIS_URL || undefined);
  const redisAvailable = !(redis instanceof NoTestRedis);
  if (first) console.log(redisAvailable ? `test Redis: ${redis.description}` : `test Redis: none (${redis.problem})`);
  const clusterWanted = process.env.REQUIRE_REDIS_CLUSTER === '1';
  const testCluster = await acquireTestRedisCluster(clusterWanted);
  const { cluster } = testCluster;
  if (testCluster.first && cluster)
    console.log(
      cluster instanceof NoTestRedisCluster
        ? `test Redis Cluster: none (${cluster.problem})`
        : `test Redis Cluster: ${cluster.nodes.join(',')}`,
    );
  const releaseAll = async () => {
    await Promise.all([release(), testCluster.release()]);
  };
  const shared = sharedDir(root);
  const sharedProblem = sharedDataProblem(shared);
  const kubectlProblem = kubectlKustomizeProblem();
  const chaos = chaosProblem();
  const browser = browserProblem();
  const unmet = unmetRequirements([
    {
      name: 'REQUIRE_REDIS',
      required: process.env.REQUIRE_REDIS === '1',
      problem: redis instanceof NoTestRedis ? `there is no test Redis: ${redis.problem}` : undefined,
    },
    {
      name: 'REQUIRE_REDIS_CLUSTER',
      required: clusterWanted,
      problem: cluster instanceof NoTestRedisCluster ? cluster.problem : undefined,
    },
    { name: 'REQUIRE_SHARED', required: process.env.REQUIRE_SHARED === '1', problem: sharedProblem },
    { name: 'REQUIRE_KUBECTL', required: process.env.REQUIRE_KUBECTL === '1', problem: kubectlProblem },
    { name: 'REQUIRE_CHAOS', required: process.env.REQUIRE_CHAOS === '1', problem: chaos },
    { name: 'REQUIRE_BROWSER', required: process.env.REQUIRE_BROWSER === '1', problem: browser },
  ]);
  if (unmet) {
    await releaseAll();
    throw unmet;
  }
  project.provide('redisUrl', redis instanceof NoTestRedis ? NO_REDIS_URL : redis.url);
  project.provide('redisAvailable', redisAvailable);
  project.provide('redisClusterNodes', cluster && !(cluster instanceof NoTestRedisCluster) ? cluster.nodes.join(',') : '');
  project.provide('redisSource', redis instanceof NoTestRedis ? 'none' : redis.source);
  project.provide('sharedDir', shared);
  project.provide('sharedAvailable', sharedProblem === undefined);
  project.provide('kubectlAvailable', kubectlProblem === undefined);
  project.provide('chaosAvailable', chaos === undefined);
  project.provide('browserAvailable', browser === undefined);
  project.provide('chromiumPath', CHROMIUM_PATH);
  return releaseAll;
}
