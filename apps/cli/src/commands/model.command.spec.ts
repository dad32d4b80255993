import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BundleInspection } from '@emo/model';
import { REPO_ROOT, runCliCaptured, TINY_MODEL } from '../testing/run-cli-captured';

const SHIPPED = join(REPO_ROOT, 'models/goemotions-mini');
const work = mkdtempSync(join(tmpdir(), 'emo-model-inspect-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The tiny model in the Hub layout (onnx/model.onnx), edited. */
function hubTiny(name: string, edit: (dir: string, config: Record<string, unknown>) => void = () => undefined): string {
  const dir = join(work, name);
  cpSync(TINY_MODEL, dir, { recursive: true });
  mkdirSync(join(dir, 'onnx'));
  renameSync(join(dir, 'model.onnx'), join(dir, 'onnx', 'model.onnx'));
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  edit(dir, config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

describe('emo model inspect', () => {
  it('reports the shipped bundle: graph, labels, problem type, thresholds, tokenizer, variants (exit 0)', async () => {
    const sut = await runCliCaptured(['model', 'inspect', SHIPPED, '--json']);
    expect(sut.code).toBe(0);
    const r = JSON.parse(sut.stdout) as BundleInspection;
    expect(r.graph?.inputs).toEqual([
      { name: 'input_ids', type: 'int64', dims: ['batch', 'sequence'] },
      { name: 'attention_mask', type: 'int64', dims: ['batch', 'sequence'] },
    ]);
    expect(r.graph?.outputs).toEqual([{ name: 'logits', type: 'float32', dims: ['batch', 28] }]);
    expect(r.labels).toHaveLength(28);
    expect(r.labels[27]).toBe('neutral');
    expect(r.problemType).toEqual({ value: 'multi_label_classification', source: 'config.json' });
    expect(r.thresholds).toMatchObject({ source: 'thresholds.json', values: { gratitude: 0.41 } });
    expect(r.tokenizer).toMatchObject({ tokenizerJson: true, tokenizerConfig: true, padToken: '[PAD]' });
    expect(r.variants.map((v) => `${v.precision}:${v.source}`)).toEqual(['fp32:bundle', 'int8:variant-folder']);
    expect(r).toMatchObject({ servable: true, benchmarkOnly: false, problems: [] });
  });

  it('reads the Hub layout and says what defaults it falls back on, with the fix (still exit 0)', async () => {
    const dir = hubTiny('defaults', (d, c) => {
      rmSync(join(d, 'tokenizer_config.json'));
      c.problem_type = 'multi_label_classification';
    });
    writeFileSync(join(dir, 'onnx', 'model_quantized.onnx'), readFileSync(join(dir, 'onnx', 'model.onnx')));
    const sut = await runCliCaptured(['model', 'inspect', dir]);
    expect(sut.code).toBe(0);
    expect(sut.stdout).toContain('graph onnx/model.onnx (opset 14)');
    expect(sut.stdout).toContain('  logits: float32 [batch, 3]');
    expect(sut.stdout).toContain('thresholds (default): negative 0.5, neutral 0.5, positive 0.5');
    expect(sut.stdout).toMatch(/variants: fp32 onnx\/model.onnx \(bundle\); int8 onnx\/model_quantized.onnx \(hub-file\)/);
    expect(sut.stdout).toMatch(/note: no thresholds.json: a flat 0.5 is used for every label\n {2}fix: add thresholds.json \{"version"/);
    expect(sut.stdout).toMatch(/note: no tokenizer_config.json.*\n {2}fix: .*pad_token/);
    expect(sut.stdout).toContain('servable: yes');
  });

  it('notes a config without problem_type (single-label assumed)', async () => {
    const dir = hubTiny('no-problem-type', (_d, c) => delete c.problem_type);
    const r = JSON.parse((await runCliCaptured(['model', 'inspect', dir, '--json'])).stdout) as BundleInspection;
    expect(r.problemType).toEqual({ value: 'single_label_classification', source: 'default' });
    // A note (no code: JSON leaves it out), not a refusal.
    expect(r.problems).toEqual([
      { problem: expect.stringContaining('no problem_type'), fix: expect.stringContaining('"problem_type": "multi_label_classification"') },
    ]);
  });

  it('lists every blocking problem with its fix and fails with the code serving would fail with (exit 1)', async () => {
    const dir = hubTiny('broken', (d, c) => {
      rmSync(join(d, 'tokenizer.json'));
      c.benchmark_only = true;
      c.id2label = { 0: 'a', 1: 'b' };
    });
    const sut = await runCliCaptured(['model', 'inspect', dir, '--json']);
    expect(sut.code).toBe(1);
    const r = JSON.parse(sut.stdout) as BundleInspection;
    expect(r.servable).toBe(false);
    expect(r.problems.filter((p) => p.code).map((p) => p.code)).toEqual(['MODEL_NOT_FOUND', 'MODEL_MISMATCH', 'MODEL_BENCHMARK_ONLY']);
    expect(r.problems.find((p) => p.code === 'MODEL_MISMATCH')?.problem).toBe('logits gives 3 scores per text but id2label has 2 labels');
    expect(r.problems.every((p) => p.fix.length > 0)).toBe(true);
    expect(sut.stderr).toMatch(/^emo: MODEL_NOT_FOUND: .*cannot be served as it is: no tokenizer.json\n$/);
  });

  it('says when there is no graph at all, and how to export one', async () => {
    const dir = hubTiny('no-graph', (d) => rmSync(join(d, 'onnx'), { recursive: true }));
    const sut = await runCliCaptured(['model', 'inspect', dir]);
    expect(sut.code).toBe(1);
    expect(sut.stdout).toMatch(
      /MODEL_NOT_FOUND: no ONNX graph \(looked for model.onnx, onnx\/model.onnx\)\n {2}fix: export one: optimum-cli export onnx/,
    );
  });

  it('follows the CLI conventions: a missing folder is MODEL_NOT_FOUND (1), a missing argument CLI_USAGE (2)', async () => {
    expect(await runCliCaptured(['model', 'inspect', join(work, 'nope')])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^emo: MODEL_NOT_FOUND: Model directory not found/),
    });
    expect(await runCliCaptured(['model', 'inspect'])).toMatchObject({ code: 2, stderr: expect.stringContaining('CLI_USAGE') });
    expect(await runCliCaptured(['model', 'inspect', SHIPPED, '--yaml'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--json'),
    });
  });
});
