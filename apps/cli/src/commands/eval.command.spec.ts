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

  it('refuses a file without labels (e.g. a chat log) as EVAL_LABELS_INVALID, exit 2, instead of scoring 0.0000', async () => {
    const data = tsv('chat-log.ndjson', `${JSON.stringify({ id: 'm1', text: 'thanks' })}\n${JSON.stringify({ id: 'm2', text: 'ugh' })}\n`);
    const sut = await runCliCaptured(['eval', '--data', data]);
    expect(sut.code).toBe(2);
    expect(sut.stdout).toBe('');
    expect(sut.stderr).toBe(
      [
        `${data}:1: no label ids (the second column must be comma-separated label ids)`,
        `${data}:2: no label ids (the second column must be comma-separated label ids)`,
        `emo: EVAL_LABELS_INVALID: ${data}: none of its 2 lines has usable gold label ids; eval needs GoEmotions TSV (text \\t label ids \\t id)`,
        '',
      ].join('\n'),
    );
  });

  it('names every line with invalid or unknown label ids (99, foo), then refuses the file (exit 2)', async () => {
    const data = tsv('bad-ids.tsv', 'I love it\t2\tid1\nso scared\t99\tid2\nmeh\tfoo\tid3\nok then\t1,5,7\tid4\n');
    const sut = await runCliCaptured(['eval', '--data', data]);
    expect(sut.code).toBe(2);
    expect(sut.stdout).toBe('');
    const lines = sut.stderr.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      expect.stringMatching(new RegExp(`^${data}:2: label id 99 is not one of tiny-softmax@[0-9a-f]{12}'s 3 labels \\(0-2\\)$`)),
      `${data}:3: the second column must be comma-separated label ids, got "foo"`,
      expect.stringMatching(new RegExp(`^${data}:4: label ids 5,7 are not one of tiny-softmax@[0-9a-f]{12}'s 3 labels`)),
    ]);
    expect(lines[3]).toBe(
      `emo: EVAL_LABELS_INVALID: ${data}: 3 of 4 lines have no usable gold label ids (listed above); fix or drop them to evaluate`,
    );
    expect(lines).toHaveLength(4);
  });

  it('refuses an empty file (exit 2)', async () => {
    const sut = await runCliCaptured(['eval', '--data', tsv('empty.tsv', '')]);
    expect(sut.code).toBe(2);
    expect(sut.stderr).toMatch(/^emo: EVAL_LABELS_INVALID: .*empty\.tsv has no rows to evaluate\n$/);
  });

  it('refuses a directory as --data (exit 2, CLI_USAGE)', async () => {
    const sut = await runCliCaptured(['eval', '--data', dir]);
    expect(sut).toEqual({
      code: 2,
      stdout: '',
      stderr: `emo: CLI_USAGE: cannot read --data ${dir}: it is a directory; give a file (or - for stdin)\n`,
    });
  });

  it('names a data file that cannot be read (exit 2)', async () => {
    const sut = await runCliCaptured(['eval', '--data', join(dir, 'missing.tsv')]);
    expect(sut.code).toBe(2);
    expect(sut.stderr).toMatch(/^emo: CLI_USAGE: cannot read --data .*missing\.tsv: ENOENT/);
  });
});
