import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseOfVariant, packageRoot, resolveModelDir, variantProvenance } from './default-model';

const dir = mkdtempSync(join(tmpdir(), 'emo-variants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(resolveModelDir.name, () => {
  it('defaults to the shipped model', () => {
    expect(resolveModelDir(undefined)).toBe(join(packageRoot(), 'models', 'goemotions-mini'));
  });

  it('finds the int8 variant that emo quantize wrote beside the model, and the model itself when it is one', () => {
    const base = join(dir, 'm');
    mkdirSync(join(base, 'variants', 'int8'), { recursive: true });
    writeFileSync(join(base, 'variants', 'int8', 'quantization.json'), JSON.stringify({ mode: 'int8' }));
    expect(resolveModelDir(base, 'fp32')).toBe(base);
    expect(resolveModelDir(base, 'int8')).toBe(join(base, 'variants', 'int8'));
    expect(resolveModelDir(join(base, 'variants', 'int8'), 'int8')).toBe(join(base, 'variants', 'int8'));
    // MODEL_DIR pointing at a variant serves it under the default precision
    expect(resolveModelDir(join(base, 'variants', 'int8'))).toBe(join(base, 'variants', 'int8'));
  });

  it('says how to create a missing variant', () => {
    expect(() => resolveModelDir(join(dir, 'm'), 'fp16')).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_FOUND', message: expect.stringMatching(/emo quantize .*--mode fp16/) }),
    );
  });
});

describe(baseOfVariant.name, () => {
  it('finds the float32 bundle a variant was written beside, in either layout, and nothing else', () => {
    const base = join(dir, 'b');
    mkdirSync(join(base, 'variants', 'int8'), { recursive: true });
    writeFileSync(join(base, 'model.onnx'), '');
    writeFileSync(join(base, 'variants', 'int8', 'quantization.json'), JSON.stringify({ mode: 'int8', options: { reduceRange: false } }));
    mkdirSync(`${base}-int8`);
    expect(baseOfVariant(join(base, 'variants', 'int8'), 'int8')).toBe(base);
    expect(baseOfVariant(`${base}-int8`, 'int8')).toBe(base);
    expect(baseOfVariant(join(dir, 'elsewhere'), 'int8')).toBeUndefined();
    expect(variantProvenance(join(base, 'variants', 'int8'))).toEqual({ mode: 'int8', reduceRange: false });
    expect(variantProvenance(base)).toBeUndefined();
  });
});
