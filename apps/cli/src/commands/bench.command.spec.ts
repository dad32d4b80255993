// Usage errors of `emo bench`, refused before any suite runs (the suites themselves: bench/src/bench-quick.e2e-spec.ts).
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../testing/run-cli-captured';
import { SUITES } from './bench.command';

describe('emo bench', () => {
  it('lists every suite in its help', async () => {
    const sut = await runCliCaptured(['bench', '--help']);
    expect(sut.code).toBe(0);
    for (const suite of SUITES) expect(sut.stdout).toContain(suite);
  });

  it.each([
    [['nope'], `unknown bench suite "nope"; allowed: ${SUITES.join(', ')}`],
    [['engine', '--quick', '--limit', '0'], '--limit must be a positive integer, got 0'],
    [['batching', '--requests', 'many'], '--requests must be a positive integer, got many'],
    [['cache', '--quick', '--repeats', '1.5'], '--repeats must be a positive integer, got 1.5'],
    [['backfill-local', '--lines', '-3'], '--lines must be a positive integer, got -3'],
    [['soak', '--quick', '--minutes', '0'], '--minutes must be a positive number, got 0'],
    [['model', '--quick', '--levels', 'max'], '--levels: "max" is not one of disabled, basic, extended, all'],
    [['model', '--quick', '--variants', 'int4'], '--variants: "int4" is not one of fp32, int8, fp16'],
    [['model', '--quick', '--batches', '1,0'], '--batches must be a positive integer, got 0'],
    [['model', '--provider', 'tpu'], '--provider: "tpu" is not one of cpu, cuda'],
  ])('emo bench %j → exit 2: %s', async (args, message) => {
    const sut = await runCliCaptured(['bench', ...args]);
    expect(sut).toEqual({ code: 2, stdout: '', stderr: `emo: CLI_USAGE: ${message}\n` });
  });
});
