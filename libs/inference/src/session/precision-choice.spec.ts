import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { choosePrecision } from './precision-choice';

/** A bundle folder with an (empty) model.onnx and the given variants: precision → gate passed (undefined: no gate record). */
function bundle(variants: Record<string, boolean | undefined>): string {
  const dir = mkdtempSync(join(tmpdir(), 'emo-precision-'));
  writeFileSync(join(dir, 'model.onnx'), '');
  for (const [precision, passed] of Object.entries(variants)) {
    const v = join(dir, 'variants', precision);
    mkdirSync(v, { recursive: true });
    writeFileSync(join(v, 'model.onnx'), '');
    const record = passed === undefined ? { mode: precision } : { mode: precision, gate: { passed } };
    writeFileSync(join(v, 'quantization.json'), JSON.stringify(record));
  }
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe(choosePrecision.name, () => {
  it('serves an explicit PRECISION as asked', () => {
    expect(choosePrecision('fp32', bundle({ int8: true }), ['cpu']).precision).toBe('fp32');
    expect(choosePrecision('int8', bundle({}), ['cpu']).precision).toBe('int8');
  });

  it('auto: the gated int8 variant on CPU, the gated fp16 one on CUDA', () => {
    const dir = bundle({ int8: true, fp16: true });
    expect(choosePrecision('auto', dir, ['cpu'])).toMatchObject({ precision: 'int8', reason: expect.stringContaining('passed its gate') });
    expect(choosePrecision('auto', dir, ['cuda', 'cpu']).precision).toBe('fp16');
  });

  it('auto: fp32 when the device has no variant, or its variant failed or lacks a gate', () => {
    expect(choosePrecision('auto', bundle({ int8: true }), ['cuda', 'cpu'])).toMatchObject({
      precision: 'fp32',
      reason: expect.stringContaining('no fp16 variant'),
    });
    expect(choosePrecision('auto', bundle({ int8: false }), ['cpu'])).toMatchObject({
      precision: 'fp32',
      reason: expect.stringContaining('a failed gate'),
    });
    expect(choosePrecision('auto', bundle({ int8: undefined }), ['cpu'])).toMatchObject({
      precision: 'fp32',
      reason: expect.stringContaining('no gate'),
    });
    expect(choosePrecision('auto', bundle({}), ['cpu']).precision).toBe('fp32');
  });

  it('auto: the shipped default model serves its gated int8 variant on CPU', () => {
    expect(choosePrecision('auto', undefined, ['cpu']).precision).toBe('int8');
  });
});
