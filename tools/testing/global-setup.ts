// Vitest global setup: builds the bundles that tests spawn (inference worker thread, the
// `emo` CLI) and finds out what the environment offers: the test Redis, the shared data in
// ../shared, kubectl. Suites that need one skip on the provided flag (`redisAvailable`,
// `sharedAvailable`, `kubectlAvailable`); with REQUIRE_REDIS=1, REQUIRE_SHARED=1 or
// REQUIRE_KUBECTL=1 (all three set by .ci/run) a missing one fails the run instead.
import { execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import { chaosProblem, kubectlKustomizeProblem, sharedDataProblem, sharedDir, unmetRequirements } from './requirements';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    redisAvailable: boolean;
    /** ../shared (absolute) and whether every file of SHARED_FILES (requirements.ts) is there. */
    sharedDir: string;
    sharedAvailable: boolean;
    /** `kubectl kustomize` runs here. */
    kubectlAvailable: boolean;
    /** Root, `ip netns` and redis-server: what the chaos suite (test/chaos) needs. */
    chaosAvailable: boolean;
  }
}

function ping(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  return new Promise((done) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => finish(d.toString().startsWith('+PONG')));
  });
}

export default async function setup(project: TestProject): Promise<void> {
  const root = resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [resolve(root, 'tools/build/build.mjs')], { stdio: 'inherit', cwd: root });
  const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisAvailable = await ping(redisUrl);
  const shared = sharedDir(root);
  const sharedProblem = sharedDataProblem(shared);
  const kubectlProblem = kubectlKustomizeProblem();
  const chaos = chaosProblem();
  const unmet = unmetRequirements([
    {
      name: 'REQUIRE_REDIS',
      required: process.env.REQUIRE_REDIS === '1',
      problem: redisAvailable ? undefined : `Redis at ${redisUrl} does not answer PING`,
    },
    { name: 'REQUIRE_SHARED', required: process.env.REQUIRE_SHARED === '1', problem: sharedProblem },
    { name: 'REQUIRE_KUBECTL', required: process.env.REQUIRE_KUBECTL === '1', problem: kubectlProblem },
    { name: 'REQUIRE_CHAOS', required: process.env.REQUIRE_CHAOS === '1', problem: chaos },
  ]);
  if (unmet) throw unmet;
  project.provide('redisUrl', redisUrl);
  project.provide('redisAvailable', redisAvailable);
  project.provide('sharedDir', shared);
  project.provide('sharedAvailable', sharedProblem === undefined);
  project.provide('kubectlAvailable', kubectlProblem === undefined);
  project.provide('chaosAvailable', chaos === undefined);
}
