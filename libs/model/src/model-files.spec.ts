import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverVariants, findModelFile, modelFileCandidates } from './model-files';

const root = mkdtempSync(join(tmpdir(), 'emo-model-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function bundle(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

describe(findModelFile.name, () => {
  it('prefers the flat layout, then the Hub one', () => {
    expect(modelFileCandidates('fp32')).toEqual(['model.onnx', 'onnx/model.onnx']);
    expect(findModelFile(bundle('flat', { 'model.onnx': 'a', 'onnx/model.onnx': 'b' }))).toBe('model.onnx');
    expect(findModelFile(bundle('hub', { 'onnx/model.onnx': 'b' }))).toBe('onnx/model.onnx');
    expect(findModelFile(bundle('none', { 'config.json': '{}' }))).toBeUndefined();
  });

  it('finds a variant folder graph as model.onnx, and no other precision inside it', () => {
    const dir = bundle('v', { 'model.onnx': 'q', 'quantization.json': JSON.stringify({ mode: 'int8' }), 'model_fp16.onnx': 'h' });
    expect(findModelFile(dir, 'int8')).toBe('model.onnx');
    expect(findModelFile(dir, 'fp32')).toBe('model.onnx'); // serving it as it is
    expect(findModelFile(dir, 'fp16')).toBeUndefined();
  });
});

describe(discoverVariants.name, () => {
  it('lists the bundle, its Hub-named graphs and the folders emo quantize wrote, gated folders first', () => {
    const dir = bundle('all', {
      'onnx/model.onnx': 'f',
      'onnx/model_quantized.onnx': 'q',
      'model_fp16.onnx': 'h',
      'variants/int8/model.onnx': 'q2',
      'variants/int8/quantization.json': JSON.stringify({ mode: 'int8' }),
      'variants/fp16/model.onnx': 'not a variant: no quantization.json',
    });
    bundle('all-fp16', { 'model.onnx': 'h2', 'quantization.json': JSON.stringify({ mode: 'fp16' }) });
    expect(discoverVariants(dir)).toEqual([
      { precision: 'fp32', dir, file: 'onnx/model.onnx', source: 'bundle' },
      { precision: 'int8', dir: join(dir, 'variants', 'int8'), file: 'model.onnx', source: 'variant-folder' },
      { precision: 'int8', dir, file: 'onnx/model_quantized.onnx', source: 'hub-file' },
      { precision: 'fp16', dir: `${dir}-fp16`, file: 'model.onnx', source: 'sibling-folder' },
      { precision: 'fp16', dir, file: 'model_fp16.onnx', source: 'hub-file' },
    ]);
  });

  it('lists only its own graph for a variant folder', () => {
    const dir = bundle('only', { 'model.onnx': 'q', 'quantization.json': JSON.stringify({ mode: 'int8' }) });
    expect(discoverVariants(dir)).toEqual([{ precision: 'int8', dir, file: 'model.onnx', source: 'bundle' }]);
  });
});
