// The built `emo` process (bin/emo.js, built by the global setup): exit codes as a shell sees them,
// and input piped on stdin, with bad lines reported one by one while the rest are classified.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, REPO_ROOT, testEnv } from './testing/run-cli-captured';

function emo(args: readonly string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/emo.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...testEnv() },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const codes = (lines: Record<string, unknown>[]) => lines.map((l) => (l.error ? (l.error as { code: string }).code : 'ok'));

describe('emo (process)', { timeout: 60_000 }, () => {
  it('exits 2 on bad usage and 1 on a runtime error, with one line on stderr', () => {
    const usage = emo(['classify', '--jsn', 'x']);
    expect([usage.status, usage.stderr]).toEqual([2, expect.stringMatching(/^emo: CLI_USAGE: unknown option '--jsn'[^\n]*\n$/)]);
    const runtime = emo(['classify', '--model', '/nonexistent/model-dir', 'x']);
    expect([runtime.status, runtime.stderr]).toEqual([1, expect.stringMatching(/^emo: MODEL_NOT_FOUND: [^\n]*\n$/)]);
  });

  it('classify reads one text per stdin line: a line that is not UTF-8 and a blank one fail in place, the others are classified', () => {
    const input = Buffer.concat([Buffer.from('I love this\r\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), Buffer.from('\nso bad\n')]);
    const r = emo(['classify', '--json'], input);
    expect(r.status).toBe(0);
    expect(codes(jsonLines(r.stdout))).toEqual(['ok', 'TEXT_INVALID_UTF8', 'TEXT_EMPTY', 'ok']);
  });

  it('backfill - reads NDJSON from stdin: results on stdout, each bad line and the summary on stderr', () => {
    const input = `${JSON.stringify({ id: 'a', text: 'I love this' })}\n{not json\n${JSON.stringify({ id: 'b', body: 'no text' })}\n${JSON.stringify({ id: 'c', text: 'awful' })}\n`;
    const r = emo(['backfill', '-', '--id-field', 'id'], input);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout).map((l) => [l.line, l.id])).toEqual([
      [1, 'a'],
      [4, 'c'],
    ]);
    const stderr = r.stderr.trimEnd().split('\n');
    expect(codes(stderr.slice(0, 2).map((l) => JSON.parse(l) as Record<string, unknown>))).toEqual(['LINE_MALFORMED', 'FIELD_MISSING']);
    expect(stderr[2]).toMatch(/^backfill: 4 lines \(2 classified, 2 errors: LINE_MALFORMED=1 FIELD_MISSING=1\)/);
  });

  it('backfill - --format csv reads CSV with a header from stdin, a row without the text column reported by line', () => {
    const r = emo(
      ['backfill', '-', '--format', 'csv', '--text-field', 'body', '--id-field', 'n'],
      'n,body\n1,"hello, friend"\n2\n3,thanks\n',
    );
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout).map((l) => [l.line, l.id])).toEqual([
      [2, '1'],
      [4, '3'],
    ]);
    expect(jsonLines(r.stderr.split('\n')[0])).toEqual([
      { line: 3, id: '2', error: { code: 'FIELD_MISSING', message: expect.any(String) } },
    ]);
  });
});
