import { describe, expect, it } from 'vitest';
import { configDocRows, loadConfig } from '@emo/config';
import { runCliCaptured, testEnv } from '../testing/run-cli-captured';
import { maskSecrets } from './config.command';

const SECRETS = {
  API_KEYS: 'first-api-key-123,second-api-key-456',
  REDIS_URL: 'redis://alice:hunter2-queue@127.0.0.1:6379/0',
  CACHE_REDIS_URL: 'rediss://:p@ss-cache@cache.internal:6380',
};

describe('emo config', () => {
  it('prints the validated config by section as JSON, with the values of the environment', async () => {
    const sut = await runCliCaptured(['config'], testEnv({ INFERENCE_THREADS: '3', BATCH_MAX_TOKENS: '2048' }));
    expect(sut.code).toBe(0);
    const printed = JSON.parse(sut.stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(printed).sort()).toEqual(Object.keys(loadConfig({})).sort());
    expect(printed.engine.inferenceThreads).toBe(3);
    // A number whose name says "token" is a setting, not a secret.
    expect(printed.batching.batchMaxTokens).toBe(2048);
    expect(printed.batching.batchMemoryPerTokenBytes).toBe(loadConfig({}).batching.batchMemoryPerTokenBytes);
  });

  it('never prints an API key or the credentials of a Redis URL', async () => {
    const sut = await runCliCaptured(['config'], testEnv(SECRETS));
    expect(sut.code).toBe(0);
    for (const secret of ['first-api-key-123', 'second-api-key-456', 'alice', 'hunter2', 'p@ss', 'ss-cache'])
      expect(sut.stdout).not.toContain(secret);
    const printed = JSON.parse(sut.stdout) as Record<string, Record<string, unknown>>;
    expect(printed.api.apiKeys).toEqual(['***', '***']);
    expect(printed.runtime.redisUrl).toBe('redis://***@127.0.0.1:6379/0');
    expect(printed.runtime.cacheRedisUrl).toBe('rediss://***@cache.internal:6380');
  });

  it('prints with --docs the settings table, row for row the schema documentation', async () => {
    const sut = await runCliCaptured(['config', '--docs']);
    expect(sut.code).toBe(0);
    const [header, rule, ...rows] = sut.stdout.trimEnd().split('\n');
    expect([header, rule]).toEqual(['| variable | default | meaning |', '| --- | --- | --- |']);
    expect(rows).toEqual(configDocRows());
  });
});

describe(maskSecrets.name, () => {
  it('keeps a URL without credentials and an unset secret as they are', () => {
    const sut = maskSecrets(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }));
    expect(sut.runtime.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(sut.runtime.cacheRedisUrl).toBeUndefined();
    expect(sut.api.apiKeys).toEqual([]);
  });

  it('masks a username-only or password-only userinfo too', () => {
    const sut = maskSecrets(loadConfig({ REDIS_URL: 'redis://bob@host:6379', CACHE_REDIS_URL: 'redis://:pw@host:6379' }));
    expect(sut.runtime.redisUrl).toBe('redis://***@host:6379');
    expect(sut.runtime.cacheRedisUrl).toBe('redis://***@host:6379');
  });
});
