import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { configDocRows, loadConfig } from './load-config';

describe(loadConfig.name, () => {
  it('returns documented defaults for an empty environment', () => {
    const sut = loadConfig({});
    expect(sut.engine.executionProviders).toEqual(['cpu']);
    expect(sut.engine.maxSequenceLength).toBe(128);
    expect(sut.runtime.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(sut.engine.includeScores).toBe(false);
  });

  it('parses typed values from env strings', () => {
    const sut = loadConfig({
      EXECUTION_PROVIDERS: 'cuda, cpu',
      INTRA_OP_THREADS: '2',
      INCLUDE_SCORES: 'true',
      API_KEYS: 'key-aaaaaaaa,key-bbbbbbbb',
    });
    expect(sut.engine.executionProviders).toEqual(['cuda', 'cpu']);
    expect(sut.engine.intraOpThreads).toBe(2);
    expect(sut.engine.includeScores).toBe(true);
    expect(sut.api.apiKeys).toEqual(['key-aaaaaaaa', 'key-bbbbbbbb']);
  });

  it('returns a deeply frozen object of sections', () => {
    const sut = loadConfig({});
    expect(Object.isFrozen(sut)).toBe(true);
    for (const section of Object.values(sut)) expect(Object.isFrozen(section)).toBe(true);
    expect(Object.isFrozen(sut.engine.executionProviders)).toBe(true);
    expect(() => {
      (sut.engine as { inferenceThreads: number }).inferenceThreads = 99;
    }).toThrow(TypeError);
  });

  it('groups every setting under its domain section, with flat-key overrides', () => {
    const sut = loadConfig({}, { inferenceThreads: 3, cacheEnabled: false });
    expect(Object.keys(sut).sort()).toEqual([
      'api',
      'backfill',
      'batching',
      'cache',
      'engine',
      'fleet',
      'onnx',
      'profiler',
      'runtime',
      'tenants',
      'worker',
    ]);
    expect(sut.engine.inferenceThreads).toBe(3);
    expect(sut.cache.cacheEnabled).toBe(false);
  });

  it('lists every invalid variable in one error, with the allowed values', () => {
    let caught: unknown;
    try {
      loadConfig({ GRAPH_OPTIMIZATION_LEVEL: 'max', INTRA_OP_THREADS: 'many', REDIS_URL: 'http://x' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    const err = caught as AppError;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('GRAPH_OPTIMIZATION_LEVEL');
    expect(err.message).toContain('disabled|basic|extended|all');
    expect(err.message).toContain('INTRA_OP_THREADS');
    expect(err.message).toContain('REDIS_URL');
  });

  it('reads a JSON file named by EMO_CONFIG_FILE, with env taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ BATCH_MAX_TOKENS: 1024, BATCH_MAX_SIZE: 16 }));
    const sut = loadConfig({ EMO_CONFIG_FILE: file, BATCH_MAX_SIZE: '8' });
    expect(sut.batching.batchMaxTokens).toBe(1024);
    expect(sut.batching.batchMaxSize).toBe(8);
  });

  it('gives API_KEYS keys no admin scope unless API_ADMIN_KEYS lists them, and refuses an admin key outside API_KEYS', () => {
    expect(loadConfig({ API_KEYS: 'key-aaaaaaaa' }).api.apiAdminKeys).toEqual([]);
    expect(loadConfig({ API_KEYS: 'key-aaaaaaaa,key-bbbbbbbb', API_ADMIN_KEYS: 'key-bbbbbbbb' }).api.apiAdminKeys).toEqual([
      'key-bbbbbbbb',
    ]);
    let error: AppError | undefined;
    try {
      loadConfig({ API_KEYS: 'key-aaaaaaaa', API_ADMIN_KEYS: 'key-typo-secret' });
    } catch (e) {
      error = e as AppError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.message).toContain('API_ADMIN_KEYS: 1 key(s) not in API_KEYS');
    expect(error?.message).not.toContain('key-typo-secret');
  });

  it('never repeats the value of an invalid API key in the error', () => {
    expect(() => loadConfig({ API_KEYS: 'short1' })).toThrow(/^Invalid configuration: API_KEYS: [^"]*$/);
  });

  it('rejects unknown keys in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ BATCH_MAX_TOKEN: 1 }));
    expect(() => loadConfig({ EMO_CONFIG_FILE: file })).toThrow(/unknown settings BATCH_MAX_TOKEN/);
  });
});

describe(configDocRows.name, () => {
  it('documents every setting with its default', () => {
    const rows = configDocRows();
    expect(rows.some((r) => r.startsWith('| `MAX_SEQUENCE_LENGTH` | `128` |'))).toBe(true);
  });
});
