import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, runCliCaptured } from '../testing/run-cli-captured';

const dir = mkdtempSync(join(tmpdir(), 'emo-backfill-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const chat = file(
  'chat.ndjson',
  ['I love this', 'so bad', '{broken', 'thank you', '', 'meh', 'great']
    .map((t, i) => (t.startsWith('{') ? t : JSON.stringify({ id: `m${i + 1}`, text: t, user: `u${i % 2}` })))
    .join('\n') + '\n',
);
const code = (l: Record<string, unknown>) => (l.error as { code: string }).code;

describe('emo backfill', () => {
  describe('usage errors (exit 2, nothing written, no model loaded)', () => {
    it.each([
      [['--format', 'xml'], '--format must be ndjson|csv|tsv, got xml'],
      [['--window', '0'], '--window must be a positive integer, got 0'],
      [['--window', '2.5'], '--window must be a positive integer, got 2.5'],
      [['--json'], '--json needs --out (stdout would mix results and summary)'],
      [['--api-key', 'k'], '--api-key, --backfill-id and --passthrough need --fleet'],
      [['--backfill-id', 'b1'], '--api-key, --backfill-id and --passthrough need --fleet'],
      [['--passthrough', 'user'], '--api-key, --backfill-id and --passthrough need --fleet'],
      [['--fleet', 'not a url'], '--fleet must be a URL such as http://localhost:8080, got not a url'],
      [['--fleet', 'ftp://fleet.internal'], '--fleet must be a URL such as http://localhost:8080, got ftp://fleet.internal'],
    ])('%j → %s', async (flags, message) => {
      const sut = await runCliCaptured(['backfill', chat, ...flags]);
      expect(sut).toEqual({ code: 2, stdout: '', stderr: `emo: CLI_USAGE: ${message}\n` });
    });

    it('names an input file that cannot be read', async () => {
      const sut = await runCliCaptured(['backfill', join(dir, 'missing.ndjson')]);
      expect(sut.code).toBe(2);
      expect(sut.stderr).toMatch(/^emo: CLI_USAGE: cannot read .*missing\.ndjson: ENOENT/);
    });

    it('refuses a directory as the input (CLI_USAGE, exit 2), locally and with --fleet, instead of INTERNAL: EISDIR', async () => {
      for (const extra of [[], ['--fleet', 'http://127.0.0.1:9']]) {
        const sut = await runCliCaptured(['backfill', dir, '--no-progress', ...extra]);
        expect(sut).toEqual({
          code: 2,
          stdout: '',
          stderr: `emo: CLI_USAGE: cannot read ${dir}: it is a directory; give a file (or - for stdin)\n`,
        });
      }
    });

    it('names an output file that cannot be written instead of crashing', async () => {
      const sut = await runCliCaptured(['backfill', chat, '--out', join(dir, 'no-such-dir', 'out.ndjson'), '--no-progress']);
      expect(sut.code).toBe(2);
      expect(sut.stderr).toMatch(/^emo: CLI_USAGE: cannot write .*no-such-dir\/out\.ndjson: ENOENT[^\n]*\n$/);
    });

    it('names an errors file that cannot be written, before classifying anything', async () => {
      const out = join(dir, 'unwritable-errors.ndjson');
      const sut = await runCliCaptured(['backfill', chat, '--out', out, '--errors', join(dir, 'no-such-dir', 'e.ndjson'), '--no-progress']);
      expect(sut.code).toBe(2);
      expect(sut.stderr).toMatch(/^emo: CLI_USAGE: cannot write .*no-such-dir\/e\.ndjson/);
      expect(readFileSync(out, 'utf8')).toBe('');
    });
  });

  describe('local run on the tiny model', () => {
    it('writes results in input order across windows, errors by line to --errors, and a JSON summary', async () => {
      const out = join(dir, 'ordered.ndjson');
      const errors = join(dir, 'ordered-errors.ndjson');
      const sut = await runCliCaptured([
        'backfill',
        chat,
        '--out',
        out,
        '--errors',
        errors,
        '--id-field',
        'id',
        '--window',
        '2',
        '--json',
        '--no-progress',
      ]);
      expect(sut.code).toBe(0);
      const results = jsonLines(readFileSync(out, 'utf8'));
      expect(results.map((r) => [r.line, r.id, r.user])).toEqual([
        [1, 'm1', 'u0'],
        [2, 'm2', 'u1'],
        [4, 'm4', 'u1'],
        [6, 'm6', 'u1'],
        [7, 'm7', 'u0'],
      ]);
      expect(results.every((r) => Array.isArray(r.labels) && String(r.model).startsWith('tiny-softmax@'))).toBe(true);
      expect(jsonLines(readFileSync(errors, 'utf8')).map((e) => [e.line, code(e)])).toEqual([
        [3, 'LINE_MALFORMED'],
        [5, 'TEXT_EMPTY'],
      ]);
      expect(existsSync(`${out}.errors.ndjson`)).toBe(false);
      const summary = JSON.parse(sut.stdout) as Record<string, unknown>;
      expect(summary).toMatchObject({ texts: 7, ok: 5, errors: 2, error_codes: { LINE_MALFORMED: 1, TEXT_EMPTY: 1 } });
      expect(Object.keys(summary.label_distribution as object).sort()).toEqual(['negative', 'neutral', 'positive']);
    });

    it('passes an input field id through as id by default (not input_id), and the named --id-field otherwise', async () => {
      const input = file('ids.ndjson', `${JSON.stringify({ id: 'm1', msg: 'k1', text: 'I love this' })}\n`);
      const byDefault = await runCliCaptured(['backfill', input, '--no-progress']);
      expect(byDefault.code).toBe(0);
      expect(jsonLines(byDefault.stdout)).toEqual([
        { line: 1, id: 'm1', msg: 'k1', labels: expect.any(Array), model: expect.stringMatching(/^tiny-softmax@/) },
      ]);
      const named = await runCliCaptured(['backfill', input, '--id-field', 'msg', '--no-progress']);
      expect(jsonLines(named.stdout)).toEqual([
        { line: 1, id: 'k1', input_id: 'm1', labels: expect.any(Array), model: expect.stringMatching(/^tiny-softmax@/) },
      ]);
    });

    it('writes results to stdout and errors plus the readable summary to stderr without --out', async () => {
      const sut = await runCliCaptured(['backfill', chat, '--no-progress']);
      expect(sut.code).toBe(0);
      expect(jsonLines(sut.stdout).map((r) => r.line)).toEqual([1, 2, 4, 6, 7]);
      const stderr = sut.stderr.trimEnd().split('\n');
      expect(stderr.slice(0, 2).map((l) => code(JSON.parse(l) as Record<string, unknown>))).toEqual(['LINE_MALFORMED', 'TEXT_EMPTY']);
      expect(stderr[2]).toMatch(
        /^backfill: 7 lines \(5 classified, 2 errors: LINE_MALFORMED=1 TEXT_EMPTY=1\) in [\d.]+s, \d+ texts\/s, peak RSS \d+ MB$/,
      );
      expect(stderr[3]).toMatch(/^labels: (negative|neutral|positive) \d+\.\d%/);
      expect(stderr).toHaveLength(4);
    });

    it('reads a TSV without a header by --columns, with every label score under --scores', async () => {
      const tsv = file('export.tsv', 'a1\tI love it\tgeneral\na2\t\tgeneral\na3\tawful\n');
      const out = join(dir, 'tsv.ndjson');
      const sut = await runCliCaptured([
        'backfill',
        tsv,
        '--out',
        out,
        '--columns',
        'id,text,channel',
        '--id-field',
        'id',
        '--scores',
        '--no-progress',
      ]);
      expect(sut.code).toBe(0);
      const results = jsonLines(readFileSync(out, 'utf8'));
      expect(results.map((r) => [r.line, r.id, r.channel])).toEqual([
        [1, 'a1', 'general'],
        [3, 'a3', undefined],
      ]);
      expect(Object.keys(results[0].scores as object).sort()).toEqual(['negative', 'neutral', 'positive']);
      expect(jsonLines(readFileSync(`${out}.errors.ndjson`, 'utf8')).map((e) => [e.line, e.id, code(e)])).toEqual([
        [2, 'a2', 'TEXT_EMPTY'],
      ]);
    });

    it('takes --format over the file extension (line numbers count the header line)', async () => {
      const csv = file('export.txt', 'body,who\n"hi, there",ann\n');
      const sut = await runCliCaptured(['backfill', csv, '--format', 'csv', '--text-field', 'body', '--no-progress']);
      expect(sut.code).toBe(0);
      expect(jsonLines(sut.stdout)).toEqual([expect.objectContaining({ line: 2, who: 'ann', labels: expect.any(Array) })]);
    });
  });
});
