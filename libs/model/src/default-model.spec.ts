import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseOfVariant, packageRoot, resolveModelDir, resolveModelVariant } from './default-model';
import { variantProvenance } from './model-files';

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
    writeFileSync(join(base, 'variants', 'int8', 'model.onnx'), 'int8 graph');
    expect(resolveModelDir(base, 'fp32')).toBe(base);
    expect(resolveModelDir(base, 'int8')).toBe(join(base, 'variants', 'int8'));
    expect(resolveModelDir(join(base, 'variants', 'int8'), 'int8')).toBe(join(base, 'variants', 'int8'));
    // MODEL_DIR pointing at a variant serves it under the default precision
    expect(resolveModelDir(join(base, 'variants', 'int8'))).toBe(join(base, 'variants', 'int8'));
  });

  it("serves a Hub-named graph of the precision from the folder itself, after emo's variant folders", () => {
    const hub = join(dir, 'hub');
    mkdirSync(join(hub, 'onnx'), { recursive: true });
    writeFileSync(join(hub, 'onnx', 'model.onnx'), 'fp32 graph');
    writeFileSync(join(hub, 'onnx', 'model_quantized.onnx'), 'int8 graph');
    expect(resolveModelVariant(hub, 'int8')).toEqual({
      precision: 'int8',
      dir: hub,
      file: 'onnx/model_quantized.onnx',
      source: 'hub-file',
    });
    expect(resolveModelVariant(hub, 'fp32')).toEqual({ precision: 'fp32', dir: hub, file: 'onnx/model.onnx', source: 'bundle' });
    mkdirSync(join(hub, 'variants', 'int8'), { recursive: true });
    writeFileSync(join(hub, 'variants', 'int8', 'quantization.json'), JSON.stringify({ mode: 'int8' }));
    writeFileSync(join(hub, 'variants', 'int8', 'model.onnx'), 'gated int8 graph');
    expect(resolveModelVariant(hub, 'int8')).toMatchObject({
      dir: join(hub, 'variants', 'int8'),
      file: 'model.onnx',
      source: 'variant-folder',
    });
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
