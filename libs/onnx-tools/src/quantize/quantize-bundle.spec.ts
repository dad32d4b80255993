// quantizeBundle on the tiny test bundle, evaluated through the real engine (worker threads).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@emo/config';
import { loadModelBundle } from '@emo/model';
import { checkVariant, quantizeBundle, type QuantizeBundleOptions } from './quantize-bundle';

const source = resolve(__dirname, '../../../../test/fixtures/models/tiny-softmax');
const work = mkdtempSync(join(tmpdir(), 'emo-quantize-'));
const data = join(work, 'gate.tsv');
writeFileSync(
  data,
  [
    'i love this\t2\t1',
    'I HATE this!\t0\t2',
    'the table\t1\t3',
    'this is awesome and very nice\t2\t4',
    'It was a terrible, awful day.\t0\t5',
    'good good good\t2\t6',
    '',
  ].join('\n'),
);

const config = loadConfig(
  {},
  {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpThreads: 1,
    inferenceThreads: 1,
    maxSequenceLength: 32,
    batchMaxTokens: 4096,
    batchMaxSize: 64,
    includeScores: false,
    maxTextChars: 20_000,
    longTextPolicy: 'truncate',
  },
);
const options = (out: string, over: Partial<QuantizeBundleOptions> = {}): QuantizeBundleOptions => ({
  modelDir: source,
  outDir: join(work, out),
  mode: 'int8',
  dataPath: data,
  thresholds: { minLabelAgreement: 0.98, maxMacroF1Drop: 0.01, maxScoreDiff: 0.2 },
  int8: { minWeightElements: 64 },
  config,
  ...over,
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('quantizeBundle', () => {
  it('writes a complete, loadable int8 bundle with provenance when the gate passes', async () => {
    const sut = await quantizeBundle(options('int8'));
    const out = join(work, 'int8');
    expect(readdirSync(out).sort()).toEqual([
      'MODEL_CARD.md',
      'config.json',
      'model.onnx',
      'quantization.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const original = await loadModelBundle(source);
    const variant = await loadModelBundle(out);
    expect(variant.labels).toEqual(original.labels);
    expect(variant.modelSha256).not.toBe(original.modelSha256);
    const recorded = JSON.parse(readFileSync(join(out, 'quantization.json'), 'utf8'));
    expect(recorded).toMatchObject({
      mode: 'int8',
      source: { model_sha256: original.modelSha256, revision: original.revision },
      output: { model_sha256: variant.modelSha256 },
      gate: { passed: true, forced: false },
    });
    expect(recorded.tool_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(sut.gate.metrics.n).toBe(6);
    expect(sut.gate.metrics.label_agreement).toBe(1);
    expect(sut.transform).toMatchObject({ matmuls: expect.any(Number) });
    // Portable by default: 7-bit weights, and the gate names the machine and int8 kernel it ran on.
    expect(recorded.options).toMatchObject({ reduceRange: true, reduceRangeMode: 'on' });
    expect(recorded.gate.machine).toMatchObject({
      model: expect.any(String),
      simd: expect.any(Array),
      int8_kernel: { saturates: expect.any(Boolean), fullRangeRatio: expect.any(Number) },
    });
    expect(readFileSync(join(out, 'MODEL_CARD.md'), 'utf8')).toMatch(/reduced range \(7-bit\)[\s\S]*\| passed \|/);
  });

  it('re-runs the gate of an existing variant on this machine and records it beside the first', async () => {
    const out = join(work, 'checked');
    // Reduced range: exact on every x86 int8 kernel, so the verdict is the same on any CPU.
    await quantizeBundle(options('checked', { int8: { minWeightElements: 64 } }));
    const sut = await checkVariant({
      variantDir: out,
      modelDir: source,
      dataPath: data,
      thresholds: options('x').thresholds,
      config,
      record: true,
    });
    expect(sut).toMatchObject({ passed: true, metrics: { n: 6 }, machine: { int8_kernel: expect.any(Object) } });
    const recorded = JSON.parse(readFileSync(join(out, 'quantization.json'), 'utf8'));
    expect(recorded.options.reduceRange).toBe(true);
    expect(recorded.checks).toHaveLength(1);
    expect(readFileSync(join(out, 'MODEL_CARD.md'), 'utf8').match(/\| passed \|/g)).toHaveLength(2);
    await expect(
      checkVariant({ variantDir: out, modelDir: join(work, 'int8'), dataPath: data, thresholds: options('x').thresholds, config }),
    ).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
  });

  it('measures a full-range variant as it is on this CPU, also where the int8 kernel saturates (no VNNI)', async () => {
    // --force: on a saturating kernel the first gate may fail; what is checked is that the re-run measures, not refuses.
    const out = join(work, 'full-range');
    await quantizeBundle(options('full-range', { int8: { minWeightElements: 64, reduceRange: 'off' }, force: true }));
    const sut = await checkVariant({ variantDir: out, modelDir: source, dataPath: data, thresholds: options('x').thresholds, config });
    expect(JSON.parse(readFileSync(join(out, 'quantization.json'), 'utf8')).options.reduceRange).toBe(false);
    expect(sut.metrics.n).toBe(6);
    // The verdict is the thresholds applied to what was measured, on a kernel that either saturates or not.
    expect(sut.passed).toBe(sut.failures.length === 0);
    expect(typeof sut.machine.int8_kernel.saturates).toBe('boolean');
    if (!sut.machine.int8_kernel.saturates) expect(sut.passed).toBe(true);
  });

  it('refuses to write a variant below the thresholds and leaves nothing behind', async () => {
    const strict = options('refused', { thresholds: { minLabelAgreement: 1, maxMacroF1Drop: 0, maxScoreDiff: 0 } });
    await expect(quantizeBundle(strict)).rejects.toMatchObject({ code: 'ACCURACY_GATE_FAILED' });
    expect(existsSync(join(work, 'refused'))).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('writes a failing variant with --force and records that it failed', async () => {
    const sut = await quantizeBundle(
      options('forced', { force: true, thresholds: { minLabelAgreement: 1, maxMacroF1Drop: 0, maxScoreDiff: 0 } }),
    );
    expect(sut.gate).toMatchObject({ passed: false, forced: true });
    expect(sut.gate.failures[0]).toMatch(/max score difference/);
    expect(existsSync(join(work, 'forced', 'model.onnx'))).toBe(true);
  });

  it('writes an fp16 variant whose scores match float32 within 1e-2', async () => {
    const sut = await quantizeBundle(
      options('fp16', { mode: 'fp16', thresholds: { minLabelAgreement: 1, maxMacroF1Drop: 0, maxScoreDiff: 0.01 } }),
    );
    expect(sut.gate.passed).toBe(true);
    expect(sut.gate.metrics.max_score_diff).toBeLessThan(0.01);
  });

  it('will not overwrite a directory it did not write', async () => {
    const foreign = join(work, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await expect(quantizeBundle(options('foreign'))).rejects.toMatchObject({ code: 'CLI_USAGE' });
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
