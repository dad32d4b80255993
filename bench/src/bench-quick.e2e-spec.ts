// The benchmark harness, end to end: every `emo bench SUITE --quick --json` runs through the real
// CLI (bin/emo.js, the built bundle), one process at a time, and its last stdout line must be one
// JSON object holding exactly the suite's named figures below, each of the documented kind (a
// figure that goes missing, turns null/NaN or appears unlisted fails the test). No timing
// assertions: speed figures only have to be finite and > 0; other checks hold by construction.
// Redis suites use the test Redis under a unique QUEUE_PREFIX (deleted afterwards) and fail when
// it is missing; every suite reads GoEmotions (dev split) from ../shared. The suites run on the tiny
// test model (the harness is what is tested, and a smaller model halves the run), except `model`,
// which benchmarks the default model and a tiny RoBERTa-shaped one (the RoBERTa tokenizer: ../shared).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createCacheRedis, unlinkMatching } from '@emo/cache';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { expectKind, SUITES, type Figures } from './bench-quick-figures';

const ROOT = resolve(__dirname, '../..');
const TINY_MODEL = resolve(ROOT, 'test/fixtures/models/tiny-softmax');
const DEFAULT_MODEL = resolve(ROOT, 'models/goemotions-mini');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `emo bench SUITE --quick --json [ARGS]` in a fresh process; stderr is kept for the failure message. */
function runBench(suite: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/emo.js'), 'bench', suite, '--quick', '--json', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const TIMEOUT_MS = 240_000;

// What --quick reads from ../shared (the GoEmotions dev split and labels, the RoBERTa tokenizer) is in
// tools/testing/requirements.ts' SHARED_FILES: without it the suite skips locally, and CI
// (REQUIRE_SHARED=1) fails in the global setup instead.
describe.skipIf(!inject('sharedAvailable'))('emo bench --quick --json', () => {
  const redisUrl = inject('redisUrl');
  const prefixes: string[] = [];

  afterAll(async () => {
    if (prefixes.length === 0 || !inject('redisAvailable')) return;
    const redis = createCacheRedis(redisUrl, 1000);
    await redis.connect();
    try {
      for (const prefix of prefixes) await unlinkMatching(redis, `${prefix}*`);
    } finally {
      redis.disconnect();
    }
  });

  // One suite at a time (a describe runs its tests in order): each spawns processes of its own.
  it.each(Object.keys(SUITES))(
    '%s prints every named figure',
    async (suite) => {
      const spec = SUITES[suite];
      if (spec.redis) expect(inject('redisAvailable'), `the ${suite} suite needs the test Redis at ${redisUrl}`).toBe(true);
      const prefix = `bench-quick-${randomUUID().slice(0, 8)}`;
      prefixes.push(prefix);
      const env: Record<string, string> = {
        QUEUE_PREFIX: prefix,
        REDIS_URL: redisUrl,
        CACHE_REDIS_URL: redisUrl,
        MODEL_DIR: spec.defaultModel ? DEFAULT_MODEL : TINY_MODEL,
      };
      const args = (spec.args ?? []).map((a) => (a === '<root>' ? ROOT : a));
      const run = await runBench(spec.suite ?? suite, args, env, TIMEOUT_MS - 10_000);
      const why = `emo bench ${suite} --quick --json exited ${run.code}; stderr:\n${run.stderr.slice(-4000)}`;
      expect(run.code, why).toBe(0);
      const last = run.stdout.trim().split('\n').pop() ?? '';
      const figures = JSON.parse(last) as Figures;
      expect(
        typeof figures === 'object' && figures !== null && !Array.isArray(figures),
        `last stdout line is one JSON object: ${last.slice(0, 200)}`,
      ).toBe(true);
      expect(Object.keys(figures).sort()).toEqual([...Object.keys(spec.figures), 'quick'].sort());
      expect(figures.quick).toBe('yes');
      for (const [key, check] of Object.entries(spec.figures)) expectKind(key, figures[key], check);
      spec.also?.(figures);
      if (spec.redis) {
        // The suite deletes its keys itself; whatever is left under the prefix is a leak.
        const redis = createCacheRedis(redisUrl, 1000);
        await redis.connect();
        try {
          expect(await unlinkMatching(redis, `${prefix}*`), `keys left under ${prefix}`).toBe(0);
        } finally {
          redis.disconnect();
        }
      }
    },
    TIMEOUT_MS,
  );
});
