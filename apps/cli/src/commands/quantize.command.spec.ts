// Usage errors of `emo quantize`, all refused before any model is read (quantizing itself: test/quantize.e2e-spec.ts).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../testing/run-cli-captured';

const dir = mkdtempSync(join(tmpdir(), 'emo-quantize-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, 'variant');

describe('emo quantize', () => {
  it.each([
    [['--mode', 'int4'], '--mode must be one of int8|fp16, got int4'],
    [['--limit', '0'], '--limit must be a positive integer, got 0'],
    [['--limit', 'ten'], '--limit must be a positive integer, got ten'],
    [['--check', '--limit', '2.5'], '--limit must be a positive integer, got 2.5'],
    [['--record'], '--record needs --check (it records the result of re-running the gate)'],
    [['--int8-ops', 'qdq'], '--int8-ops must be one of microsoft|onnx, got qdq'],
    [['--per-channel', 'sometimes'], '--per-channel must be one of auto|always|never, got sometimes'],
    [['--reduce-range', 'maybe'], '--reduce-range must be one of on|off|auto, got maybe'],
  ])('%j → exit 2: %s', async (flags, message) => {
    const sut = await runCliCaptured(['quantize', '--out', out, ...flags]);
    expect(sut).toEqual({ code: 2, stdout: '', stderr: `emo: CLI_USAGE: ${message}\n` });
  });

  it('--check refuses a directory that quantize did not write, and writes nothing', async () => {
    const sut = await runCliCaptured(['quantize', '--out', dir, '--check']);
    expect(sut).toEqual({
      code: 2,
      stdout: '',
      stderr: `emo: CLI_USAGE: ${dir} has no quantization.json: --check takes a bundle written by emo quantize\n`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});
