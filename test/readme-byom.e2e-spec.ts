// README "Bring your own model": the worked example runs exactly as written (the bash block between
// the byom-example markers, from the repository root, `npx emo` and all) and prints what the
// README's comments say it prints.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/run-emo';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const block = /<!-- byom-example:start -->\n```bash\n([\s\S]*?)```\n<!-- byom-example:end -->/.exec(readme)?.[1];
const tmp = mkdtempSync(join(tmpdir(), 'emo-readme-byom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('README: Bring your own model, worked example', () => {
  it('is in the README', () => {
    expect(block).toContain('npx emo model inspect "$B"');
    expect(block).toContain('npx emo classify --model "$B"');
  });

  it('runs as written: inspect notes the missing thresholds, then the bundle with thresholds.json classifies', () => {
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', block ?? 'exit 99'], {
      cwd: ROOT,
      // As a user's terminal pipe would run it: Nx sets FORCE_COLOR for its tasks, and `node -p` then colours its output.
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', TMPDIR: tmp, LOG_LEVEL: 'warn', OPTIMIZED_MODEL_CACHE_DIR: join(tmp, 'ort') },
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('emo:'); // no error, no warning (npm's own notices aside)
    const out = run.stdout;
    expect(out).toContain('graph onnx/model.onnx (opset 14)');
    expect(out).toContain('  input_ids: int64 [batch, sequence]\n  attention_mask: int64 [batch, sequence]');
    expect(out).toContain('  logits: float32 [batch, 28]');
    expect(out).toMatch(/^labels \(28\): 0=admiration, .*27=neutral$/m);
    expect(out).toMatch(/^thresholds \(default\): admiration 0\.5, /m);
    expect(out).toContain('servable: yes');
    expect(out).toMatch(/note: no thresholds.json: a flat 0.5 is used for every label\n {2}fix: add thresholds.json \{"version": "v1"/);
    expect(out).toContain('\ntrue thresholds.json my-v1 0.4\n');
    const result = JSON.parse(out.trimEnd().split('\n').at(-1) ?? '') as { labels: { label: string; score: number }[]; model: string };
    expect(result.labels.map((l) => l.label)).toEqual(['gratitude']);
    expect(result.labels[0].score).toBeGreaterThan(0.9);
    expect(result.model).toMatch(/^goemotions-mini@[0-9a-f]{12}$/);
  }, 660_000);
});
