// `emo serve worker` on a benchmark_only bundle (random weights): refused at start with
// MODEL_BENCHMARK_ONLY and exit 1 (the process ends: what it opened is closed), served with
// ALLOW_BENCHMARK_MODEL=true (the worker gets ready; SIGTERM stops it with 0).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stopFleet } from './fleet/fleet-processes';
import { ROOT, TINY_MODEL } from './support/run-emo';

const dir = mkdtempSync(join(tmpdir(), 'emo-serve-bench-only-'));
const model = join(dir, 'model');
cpSync(TINY_MODEL, model, { recursive: true });
const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')) as Record<string, unknown>;
writeFileSync(join(model, 'config.json'), JSON.stringify({ ...config, benchmark_only: true }));
const prefix = `t-bench-only-${process.pid}`;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (inject('redisAvailable')) await stopFleet([], inject('redisUrl'), prefix); // the worker's queue keys
});

const env = (extra: Record<string, string>) => ({
  ...process.env,
  LOG_LEVEL: 'info',
  MODEL_DIR: model,
  REDIS_URL: inject('redisUrl'),
  QUEUE_PREFIX: prefix,
  METRICS_PORT: '0',
  INFERENCE_THREADS: '1',
  OPTIMIZED_MODEL_CACHE_DIR: join(dir, 'ort'),
  ...extra,
});

describe.skipIf(!inject('redisAvailable'))('emo serve worker with a benchmark_only model', () => {
  it('refuses to start: MODEL_BENCHMARK_ONLY, labels are random, exit 1', () => {
    const run = spawnSync(process.execPath, [resolve(ROOT, 'bin/emo.js'), 'serve', 'worker'], {
      cwd: ROOT,
      env: env({}),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.signal).toBeNull(); // it ended by itself
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/emo: MODEL_BENCHMARK_ONLY: .*random.*ALLOW_BENCHMARK_MODEL=true/);
  }, 150_000);

  it('serves it with ALLOW_BENCHMARK_MODEL=true', async () => {
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/emo.js'), 'serve', 'worker'], {
      cwd: ROOT,
      env: env({ ALLOW_BENCHMARK_MODEL: 'true' }),
    });
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await new Promise<void>((ready, fail) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        if (stderr.includes('worker ready')) ready();
      });
      void exited.then((code) => fail(new Error(`worker exited ${code} before it was ready: ${stderr}`)));
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toContain('MODEL_BENCHMARK_ONLY');
  }, 150_000);
});
