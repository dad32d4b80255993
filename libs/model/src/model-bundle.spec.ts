import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModelBundle } from './model-bundle';

const TINY = resolve(__dirname, '../../../test/fixtures/models/tiny-softmax');
const dirs: string[] = [];

function copyTiny(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emo-bundle-'));
  dirs.push(dir);
  cpSync(TINY, dir, { recursive: true });
  return dir;
}

const editJson = (path: string, edit: (v: Record<string, unknown>) => void) => {
  const v = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(v);
  writeFileSync(path, JSON.stringify(v));
};

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe(loadModelBundle.name, () => {
  it('loads labels, problem type and a stable revision', async () => {
    const sut = await loadModelBundle(TINY);
    expect(sut.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(sut.problemType).toBe('single_label_classification');
    expect(sut.revision).toMatch(/^[0-9a-f]{12}$/);
    expect((await loadModelBundle(TINY)).revision).toBe(sut.revision);
    expect(sut.thresholdsVersion).toBe('default');
  });

  it('changes the revision when the model file changes', async () => {
    const dir = copyTiny();
    const before = await loadModelBundle(dir);
    writeFileSync(join(dir, 'model.onnx'), Buffer.concat([readFileSync(join(dir, 'model.onnx')), Buffer.from([0])]));
    expect((await loadModelBundle(dir)).revision).not.toBe(before.revision);
  });

  it('reads thresholds and their version, and rejects thresholds for unknown labels', async () => {
    const dir = copyTiny();
    writeFileSync(join(dir, 'thresholds.json'), JSON.stringify({ version: 't1', thresholds: { positive: 0.7 } }));
    const sut = await loadModelBundle(dir);
    expect(sut.thresholdsVersion).toBe('t1');
    expect(sut.thresholds[2]).toBeCloseTo(0.7);
    writeFileSync(join(dir, 'thresholds.json'), JSON.stringify({ thresholds: { joyful: 0.7 } }));
    await expect(loadModelBundle(dir)).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
  });

  it('loads the Hub layout (onnx/model.onnx) with the same revision, and a Hub-named graph of a precision', async () => {
    const flat = await loadModelBundle(TINY);
    const dir = copyTiny();
    mkdirSync(join(dir, 'onnx'));
    renameSync(join(dir, 'model.onnx'), join(dir, 'onnx', 'model.onnx'));
    const sut = await loadModelBundle(dir);
    expect(sut.modelFile).toBe('onnx/model.onnx');
    expect(sut.modelPath).toBe(join(dir, 'onnx', 'model.onnx'));
    expect(sut.revision).toBe(flat.revision);
    await expect(loadModelBundle(dir, { precision: 'int8' })).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringContaining('onnx/model_quantized.onnx'),
    });
    cpSync(join(dir, 'onnx', 'model.onnx'), join(dir, 'onnx', 'model_quantized.onnx'));
    expect((await loadModelBundle(dir, { precision: 'int8' })).modelFile).toBe('onnx/model_quantized.onnx');
  });

  it('reads benchmark_only and model_type from config.json', async () => {
    expect((await loadModelBundle(TINY)).benchmarkOnly).toBe(false);
    const dir = copyTiny();
    editJson(join(dir, 'config.json'), (c) => Object.assign(c, { benchmark_only: true, model_type: 'roberta' }));
    expect(await loadModelBundle(dir)).toMatchObject({ benchmarkOnly: true, modelType: 'roberta' });
  });

  it.each([
    ['a missing directory', (d: string) => rmSync(d, { recursive: true }), 'MODEL_NOT_FOUND'],
    ['a missing model.onnx', (d: string) => rmSync(join(d, 'model.onnx')), 'MODEL_NOT_FOUND'],
    ['model.onnx that is a folder', (d: string) => (rmSync(join(d, 'model.onnx')), mkdirSync(join(d, 'model.onnx'))), 'MODEL_NOT_FOUND'],
    ['a missing tokenizer.json', (d: string) => rmSync(join(d, 'tokenizer.json')), 'MODEL_NOT_FOUND'],
    ['an empty model.onnx', (d: string) => writeFileSync(join(d, 'model.onnx'), ''), 'MODEL_CORRUPT'],
    ['config.json that is not JSON', (d: string) => writeFileSync(join(d, 'config.json'), '{"id2label": '), 'MODEL_CORRUPT'],
    ['id2label with a gap', (d: string) => editJson(join(d, 'config.json'), (c) => (c.id2label = { 0: 'a', 2: 'b' })), 'MODEL_CORRUPT'],
    ['a tokenizer without a model', (d: string) => writeFileSync(join(d, 'tokenizer.json'), '{}'), 'MODEL_CORRUPT'],
  ])('fails with a clear code for %s', async (_what, damage, code) => {
    const dir = copyTiny();
    damage(dir);
    await expect(loadModelBundle(dir)).rejects.toMatchObject({ code });
  });
});
