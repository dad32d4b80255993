// A benchmark_only bundle (random weights: random labels) is refused for serving unless allowed by
// flag or setting. Here through `emo classify` on the tiny model marked benchmark_only; the API and
// worker load their model through the same startServedModel (libs/inference served-model.spec).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { jsonLines, runCliCaptured, testEnv, TINY_MODEL } from './testing/run-cli-captured';

const dir = mkdtempSync(join(tmpdir(), 'emo-bench-only-'));
cpSync(TINY_MODEL, dir, { recursive: true });
const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, benchmark_only: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('benchmark_only bundles', () => {
  it('are refused by emo classify with MODEL_BENCHMARK_ONLY, saying the labels are random (exit 1)', async () => {
    const sut = await runCliCaptured(['classify', '--json', '--model', dir, 'so happy today']);
    expect(sut.code).toBe(1);
    expect(sut.stdout).toBe('');
    expect(sut.stderr).toMatch(
      /^emo: MODEL_BENCHMARK_ONLY: .*labels it gives are random.*--allow-benchmark-model.*ALLOW_BENCHMARK_MODEL=true/,
    );
  });

  it.each([
    ['--allow-benchmark-model after the command', ['classify', '--allow-benchmark-model', '--json', '--model', dir, 'so happy today'], {}],
    ['--allow-benchmark-model before the command', ['--allow-benchmark-model', 'classify', '--json', '--model', dir, 'so happy today'], {}],
    ['ALLOW_BENCHMARK_MODEL=true', ['classify', '--json', '--model', dir, 'so happy today'], { ALLOW_BENCHMARK_MODEL: 'true' }],
  ])('are served when allowed by %s', async (_how, args, env) => {
    const sut = await runCliCaptured(args, testEnv(env));
    expect(sut.code).toBe(0);
    expect(jsonLines(sut.stdout)).toEqual([expect.objectContaining({ labels: [expect.objectContaining({ label: expect.any(String) })] })]);
  });

  it('leave every other bundle alone', async () => {
    expect((await runCliCaptured(['classify', '--json', '--model', TINY_MODEL, 'so happy today'])).code).toBe(0);
  });
});

// The engine suite reads its texts from ../shared (GoEmotions dev).
describe.skipIf(!inject('sharedAvailable'))('benchmark_only bundles in emo bench', () => {
  it('are benchmarked without any flag or setting', async () => {
    const sut = await runCliCaptured(['bench', 'engine', '--quick', '--json', '--model', dir]);
    expect(sut.stderr).not.toContain('MODEL_BENCHMARK_ONLY');
    expect(sut.code).toBe(0);
    expect(JSON.parse(sut.stdout.trimEnd().split('\n').at(-1) ?? '')).toMatchObject({ quick: 'yes' });
  }, 300_000);
});
