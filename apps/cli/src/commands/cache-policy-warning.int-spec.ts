// The cache Redis policy warning as a user meets it in the CLI (issue 17, 4 and 3): only commands
// that open the Redis L2 say it, once per process, as one plain `emo: warning:` line (pino JSON
// only with LOG_FORMAT=json), and not at all with CACHE_POLICY_WARNING=false. Which warning the
// test Redis deserves comes from the same check (the expected line is empty when its policy is right).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkEvictionPolicy, createCacheRedis, unlinkMatching, type EvictionPolicyCheck } from '@emo/cache';
import { REPO_ROOT, runCliCaptured, testEnv } from '../testing/run-cli-captured';

const prefix = `cli-policy-spec-${process.pid}-${Date.now()}`;

describe.skipIf(!inject('redisAvailable'))('cache Redis policy warning in the CLI', () => {
  const env = (extra: Record<string, string> = {}) =>
    testEnv({ REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: prefix, CACHE_CLI_L2: 'true', ...extra });
  let check: EvictionPolicyCheck;
  const warningLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('result cache:'));

  beforeAll(async () => {
    const redis = createCacheRedis(inject('redisUrl'), 5000);
    await redis.connect();
    check = await checkEvictionPolicy(redis, true);
    redis.disconnect();
  });

  afterAll(async () => {
    const redis = createCacheRedis(inject('redisUrl'), 5000);
    await redis.connect();
    await unlinkMatching(redis, `${prefix}:*`);
    redis.disconnect();
  });

  // In this order: the process says the warning once, so the silenced runs come first.
  it('says nothing in a command that does not open Redis (classify without CACHE_CLI_L2)', async () => {
    const sut = await runCliCaptured(['classify', '--json', 'thanks a lot'], env({ CACHE_CLI_L2: 'false' }));
    expect(sut.code).toBe(0);
    expect(warningLines(sut.stderr)).toEqual([]);
  });

  it('says nothing with CACHE_POLICY_WARNING=false', async () => {
    const sut = await runCliCaptured(['classify', '--json', 'thanks a lot'], env({ CACHE_POLICY_WARNING: 'false' }));
    expect(sut.code).toBe(0);
    expect(sut.stderr).toBe('');
  });

  it('says it once per process, as a plain emo: warning: line, when the policy is not right', async () => {
    const first = await runCliCaptured(['classify', '--json', 'thanks a lot'], env());
    expect(first.code).toBe(0);
    const expected =
      check.verdict === 'ok' ? [] : [`emo: warning: result cache: ${check.advice} (CACHE_POLICY_WARNING=false silences this warning)`];
    expect(first.stderr.split('\n').filter(Boolean)).toEqual(expected);
    const again = await runCliCaptured(['classify', '--json', 'so annoying'], env());
    expect(again.stderr).toBe('');
  });
});

describe('CLI log format (the built process: JSON lines go to fd 2 directly)', () => {
  // No Redis behind this URL: opening the L2 warns that it does not answer (L1 only).
  const down = { REDIS_URL: 'redis://127.0.0.1:9', CACHE_CLI_L2: 'true', QUEUE_PREFIX: `${prefix}-down` };
  const emo = (extra: Record<string, string>) =>
    spawnSync(process.execPath, [join(REPO_ROOT, 'bin/emo.js'), 'classify', '--json', 'hello'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...testEnv({ ...down, ...extra }) },
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('prints each warning as a plain emo: warning: line by default', () => {
    const sut = emo({});
    expect(sut.status).toBe(0);
    const lines = sut.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^emo: warning: result cache: the cache Redis does not answer; starting with L1 only/);
    for (const line of lines) expect(line).toMatch(/^emo: warning: [^{]/);
  });

  it('prints each as a pino JSON line with LOG_FORMAT=json', () => {
    const sut = emo({ LOG_FORMAT: 'json' });
    expect(sut.status).toBe(0);
    const lines = sut.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines[0]).toMatchObject({ level: 40, msg: expect.stringMatching(/^result cache: the cache Redis does not answer/) });
    for (const line of lines) expect(line.level).toBe(40);
  });
}, 60_000);
