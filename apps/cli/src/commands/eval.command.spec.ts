import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../testing/run-cli-captured';
import { parseLabelIds } from './eval.command';

const dir = mkdtempSync(join(tmpdir(), 'emo-eval-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tsv = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
// tiny-softmax labels: 0 negative, 1 neutral, 2 positive.
const good = tsv('good.tsv', 'I love it\t2\tid1\nawful\t0\tid2\nit is a table\t1,2\tid3\n');

describe(parseLabelIds.name, () => {
  it('reads one or several comma-separated ids', () => {
    expect(parseLabelIds('2')).toEqual([2]);
    expect(parseLabelIds('3,17')).toEqual([3, 17]);
  });

  it.each([undefined, '', 'joy', '1,,2', '-1', '1.5'])('refuses %j', (value) => {
    expect(parseLabelIds(value)).toBeUndefined();
  });
});

describe('emo eval', () => {
  it('prints per-label precision/recall/F1 with support, then n and the F1 figures', async () => {
    const sut = await runCliCaptured(['eval', '--data', good]);
    expect(sut.code).toBe(0);
    const lines = sut.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^label +precision +recall +f1 +support$/);
    expect(lines.slice(2, 5).map((l) => l.split(/ +/)[0])).toEqual(['negative', 'neutral', 'positive']);
    expect(lines.slice(2, 5).map((l) => l.split(/ +/)[4])).toEqual(['1', '1', '2']);
    expect(lines.at(-1)).toMatch(/^n=3 {2}macro_f1=\d\.\d{4} {2}micro_f1=\d\.\d{4} {2}model=tiny-softmax@[0-9a-f]{12}$/);
  });

  it('prints one JSON report with --json', async () => {
    const sut = await runCliCaptured(['eval', '--data', good, '--json']);
    expect(sut.code).toBe(0);
    const report = JSON.parse(sut.stdout) as { n: number; model: string; per_label: Record<string, { support: number }> };
    expect(report).toMatchObject({ n: 3, model: expect.stringMatching(/^tiny-softmax@/) });
    expect(report.per_label.positive.support).toBe(2);
  });

  it('refuses a row without label ids, naming the file and line, instead of scoring it as "no emotion"', async () => {
    const data = tsv('no-labels.tsv', 'I love it\t2\tid1\na line with one column\n');
    const sut = await runCliCaptured(['eval', '--data', data]);
    expect(sut.code).toBe(1);
    expect(sut.stderr).toBe(`emo: LINE_MALFORMED: ${data}:2: the second column must be comma-separated label ids, got ""\n`);
    expect(sut.stdout).toBe('');
  });

  it('refuses a label id the model does not have (another label set) instead of ignoring it', async () => {
    const data = tsv('ekman.tsv', 'I love it\t2\tid1\nso scared\t5\tid2\n');
    const sut = await runCliCaptured(['eval', '--data', data]);
    expect(sut.code).toBe(1);
    expect(sut.stderr).toMatch(
      new RegExp(`^emo: LINE_MALFORMED: ${data}:2: label id 5 is not one of tiny-softmax@[0-9a-f]{12}'s 3 labels \\(0-2\\)\\n$`),
    );
  });

  it('names a data file that cannot be read (exit 2)', async () => {
    const sut = await runCliCaptured(['eval', '--data', join(dir, 'missing.tsv')]);
    expect(sut.code).toBe(2);
    expect(sut.stderr).toMatch(/^emo: CLI_USAGE: cannot read --data .*missing\.tsv: ENOENT/);
  });
});
