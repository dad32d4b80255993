// The `emo` CLI as users run it: a real process, real model, real files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, runEmo, TINY_MODEL } from './support/run-emo';

const dir = mkdtempSync(join(tmpdir(), 'emo-cli-e2e-'));
const env = { MODEL_DIR: TINY_MODEL, OPTIMIZED_MODEL_CACHE_DIR: join(dir, 'ort-cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('emo classify', () => {
  it('prints one JSON result per text with labels from the model', () => {
    const r = runEmo(['classify', '--json', 'I love this', 'terrible awful'], { env });
    expect(r.status).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      labels: [{ label: expect.any(String), score: expect.any(Number) }],
      model: expect.stringMatching(/^tiny-softmax@[0-9a-f]{12}$/),
    });
  });

  it('reads texts from stdin lines and reports an empty one in place', () => {
    const r = runEmo(['classify', '--json'], { env, input: 'first\n\nthird\n' });
    expect(r.status).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => (l.error ? (l.error as { code: string }).code : 'ok'))).toEqual(['ok', 'TEXT_EMPTY', 'ok']);
  });

  it('rejects an unknown flag with one line naming it and the allowed flags', () => {
    const r = runEmo(['classify', '--jsn', 'x'], { env });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/CLI_USAGE: unknown option '--jsn'.*allowed: --json/);
  });

  it('rejects a bad config value with one line naming the variable and the allowed values', () => {
    const r = runEmo(['classify', 'x'], { env: { ...env, GRAPH_OPTIMIZATION_LEVEL: 'max' } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^emo: CONFIG_INVALID: .*GRAPH_OPTIMIZATION_LEVEL: must be one of disabled\|basic\|extended\|all/);
  });
});

describe('emo backfill', () => {
  it('processes every good line in order with passthrough fields and reports every bad one by line number', () => {
    const input = join(dir, 'chat.ndjson');
    const lines = [
      JSON.stringify({ id: 'a', text: 'I love this', user: 'u1', conversation_id: 'c1' }),
      '',
      '{not json',
      JSON.stringify({ id: 'b', text: '' }),
      JSON.stringify({ id: 'c', text: 17 }),
      JSON.stringify({ id: 'd', body: 'no text field' }),
      JSON.stringify({ id: 'e', text: 'so bad', labels: 'passthrough named like a result key' }),
    ];
    const bad = Buffer.concat([Buffer.from('{"id":"f","text":"caf'), Buffer.from([0xff]), Buffer.from('"}\n')]);
    writeFileSync(
      input,
      Buffer.concat([
        Buffer.from(`${lines.join('\n')}\n`),
        bad,
        Buffer.from(`${JSON.stringify({ id: 'g', text: 'x'.repeat(1_000_000) })}\n`),
      ]),
    );
    const out = join(dir, 'out.ndjson');
    const r = runEmo(['backfill', input, '--out', out, '--id-field', 'id', '--json', '--no-progress'], { env });
    expect(r.status).toBe(0);
    const results = jsonLines(readFileSync(out, 'utf8'));
    const errors = jsonLines(readFileSync(`${out}.errors.ndjson`, 'utf8'));
    expect(results.map((x) => x.line)).toEqual([1, 7, 9]);
    expect(results[0]).toMatchObject({ id: 'a', user: 'u1', conversation_id: 'c1', labels: expect.any(Array) });
    expect(results[0]).not.toHaveProperty('input_id');
    expect(results[1]).toMatchObject({ id: 'e', input_labels: 'passthrough named like a result key', labels: expect.any(Array) });
    expect(results[2]).toMatchObject({ id: 'g', truncated: true });
    expect(errors.map((e) => [e.line, (e.error as { code: string }).code])).toEqual([
      [2, 'LINE_MALFORMED'],
      [3, 'LINE_MALFORMED'],
      [4, 'TEXT_EMPTY'],
      [5, 'TEXT_NOT_STRING'],
      [6, 'FIELD_MISSING'],
      [8, 'TEXT_INVALID_UTF8'],
    ]);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    expect(summary).toMatchObject({ texts: 9, ok: 3, errors: 6 });
  });

  it('reads CSV with a header, reports a row missing the text column, and keeps the rest', () => {
    const input = join(dir, 'chat.csv');
    writeFileSync(input, 'msg_id,user,body\n1,u1,"hello, friend"\n2,u2\n3,u3,"multi\nline"\n');
    const out = join(dir, 'csv.ndjson');
    const r = runEmo(['backfill', input, '--out', out, '--text-field', 'body', '--id-field', 'msg_id', '--no-progress'], { env });
    expect(r.status).toBe(0);
    expect(jsonLines(readFileSync(out, 'utf8')).map((x) => [x.id, x.user])).toEqual([
      ['1', 'u1'],
      ['3', 'u3'],
    ]);
    expect(jsonLines(readFileSync(`${out}.errors.ndjson`, 'utf8'))).toEqual([
      { line: 3, id: '2', error: { code: 'FIELD_MISSING', message: expect.any(String) } },
    ]);
    expect(r.stderr).toMatch(/backfill: 3 lines \(2 classified, 1 errors/);
  });
});

describe('emo eval', () => {
  it('reports macro/micro F1 and per-label metrics for a GoEmotions-format TSV', () => {
    const data = join(dir, 'eval.tsv');
    writeFileSync(data, 'I love it\t2\tid1\nawful\t0\tid2\nit is a table\t1\tid3\n');
    const r = runEmo(['eval', '--data', data, '--json'], { env });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as {
      n: number;
      macro_f1: number;
      micro_f1: number;
      per_label: Record<string, { support: number }>;
    };
    expect(report.n).toBe(3);
    expect(report.macro_f1).toBeGreaterThanOrEqual(0);
    expect(report.macro_f1).toBeLessThanOrEqual(1);
    expect(Object.keys(report.per_label)).toEqual(['negative', 'neutral', 'positive']);
    expect(report.per_label.positive.support).toBe(1);
  });
});
