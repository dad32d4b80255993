// `emo quantize` as a user runs it: a gated variant that the engine then serves, a refusal
// below the configured thresholds, usage errors.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, runEmo, TINY_MODEL } from './support/run-emo';

const work = mkdtempSync(join(tmpdir(), 'emo-quantize-e2e-'));
const data = join(work, 'gate.tsv');
writeFileSync(data, 'i love this\t2\t1\nI HATE this!\t0\t2\nthe table\t1\t3\nthis is awesome and very nice\t2\t4\n');

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('emo quantize', () => {
  it('writes an int8 bundle with provenance that emo classify then serves', () => {
    const out = join(work, 'int8');
    const r = runEmo(['quantize', '--model', TINY_MODEL, '--out', out, '--data', data, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const provenance = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(provenance).toMatchObject({ mode: 'int8', gate: { passed: true, metrics: { n: 4 } } });
    expect(JSON.parse(readFileSync(join(out, 'quantization.json'), 'utf8')).output.model_sha256).toBe(provenance.output.model_sha256);
    const classified = runEmo(['classify', '--json', '--model', out, 'i love this']);
    expect(classified.status, classified.stderr).toBe(0);
    expect(jsonLines(classified.stdout)[0]).toMatchObject({ labels: [{ label: 'positive' }] });
  });

  it('refuses a variant below the thresholds with ACCURACY_GATE_FAILED and writes nothing', () => {
    const out = join(work, 'refused');
    const r = runEmo(['quantize', '--model', TINY_MODEL, '--out', out, '--data', data], { env: { QUANTIZE_INT8_MAX_SCORE_DIFF: '0' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ACCURACY_GATE_FAILED: .*max score difference/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an unknown mode as a usage error', () => {
    const r = runEmo(['quantize', '--model', TINY_MODEL, '--out', join(work, 'x'), '--mode', 'int4']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--mode must be one of int8\|fp16/);
  });
});
