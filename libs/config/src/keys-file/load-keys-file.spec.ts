import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { AppError } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { parseKeysFile, readKeysFile } from './load-keys-file';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const A = sha('key-of-team-a-0001');
const B = sha('key-of-team-b-0001');

function problemsOf(fn: () => unknown): { at: string; problem: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('CONFIG_INVALID');
    return ((e as AppError).details as { problems: unknown }).problems as { at: string; problem: string }[];
  }
  throw new Error('expected CONFIG_INVALID');
}

describe(parseKeysFile.name, () => {
  it('reads a YAML keys file: tenants, scopes, optional limits, key digests (lower-cased) with names', () => {
    const sut = parseKeysFile(
      [
        'tenants:',
        '  - id: team-a',
        '    scopes: [classify, jobs]',
        '    limits: { texts_per_s: 200, max_queued_texts: 50000, weight: 2 }',
        '    keys:',
        `      - sha256: ${A.toUpperCase()}`,
        '        name: ci',
        '  - id: team-b',
        '    scopes: [backfills]',
        '    keys:',
        `      - sha256: ${B}`,
      ].join('\n'),
      'keys.yaml',
    );
    expect(sut).toEqual({
      tenants: [
        {
          id: 'team-a',
          scopes: ['classify', 'jobs'],
          limits: { texts_per_s: 200, max_queued_texts: 50000, weight: 2 },
          keys: [{ sha256: A, name: 'ci' }],
        },
        { id: 'team-b', scopes: ['backfills'], keys: [{ sha256: B }] },
      ],
    });
    expect(Object.isFrozen(sut.tenants[0].keys[0])).toBe(true);
  });

  it('reads the same file as JSON', () => {
    const sut = parseKeysFile(JSON.stringify({ tenants: [{ id: 't1', scopes: ['admin'], keys: [{ sha256: A }] }] }), '/etc/emo/keys.json');
    expect(sut.tenants[0]).toEqual({ id: 't1', scopes: ['admin'], keys: [{ sha256: A }] });
  });

  it('lists every problem in one CONFIG_INVALID: bad id, unknown scope, negative limit, bad digest, missing keys', () => {
    const problems = problemsOf(() =>
      parseKeysFile(
        JSON.stringify({
          tenants: [
            { id: 'Team A', scopes: ['classify', 'root'], limits: { texts_per_s: -1 }, keys: [{ sha256: 'abc' }] },
            { id: 't2', scopes: [] },
          ],
        }),
        'k.json',
      ),
    );
    expect(problems.map((p) => p.at)).toEqual([
      'tenants[0].id',
      'tenants[0].scopes[1]',
      'tenants[0].limits.texts_per_s',
      'tenants[0].keys[0].sha256',
      'tenants[1].scopes',
      'tenants[1].keys',
    ]);
  });

  it('refuses duplicate tenant ids and a key digest given twice (even to two tenants)', () => {
    const problems = problemsOf(() =>
      parseKeysFile(
        JSON.stringify({
          tenants: [
            { id: 'a', scopes: ['jobs'], keys: [{ sha256: A }] },
            { id: 'b', scopes: ['jobs'], keys: [{ sha256: B }, { sha256: A.toUpperCase() }] },
            { id: 'a', scopes: ['jobs'], keys: [] },
          ],
        }),
        'k.json',
      ),
    );
    expect(problems).toEqual([
      { at: 'tenants[1].keys[1].sha256', problem: 'duplicate key digest (also tenants[0].keys[0])' },
      { at: 'tenants[2].id', problem: 'duplicate tenant id "a" (also tenants[0])' },
    ]);
  });

  it('refuses a plaintext key with a clear message and never repeats it, nor a key pasted as the digest', () => {
    const secret = 'sk-live-very-secret-0001';
    let error: AppError | undefined;
    try {
      parseKeysFile(
        JSON.stringify({
          tenants: [{ id: 'a', scopes: ['jobs'], keys: [{ key: secret }, { sha256: secret }, { sha256: A, Token: secret }] }],
        }),
        'k.json',
      );
    } catch (e) {
      error = e as AppError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    const problems = (error!.details as { problems: unknown }).problems as { at: string; problem: string }[];
    expect(problems).toContainEqual({ at: 'tenants[0].keys[0].key', problem: expect.stringContaining('a plaintext key is never written') });
    expect(problems).toContainEqual({ at: 'tenants[0].keys[1].sha256', problem: expect.stringContaining('never the key itself') });
    expect(problems).toContainEqual({
      at: 'tenants[0].keys[2].Token',
      problem: expect.stringContaining('a plaintext key is never written'),
    });
    expect(JSON.stringify(error!.details)).not.toContain(secret);
    expect(error!.message).not.toContain(secret);
  });

  it('refuses unknown fields and says where the file does not parse, without quoting it', () => {
    expect(problemsOf(() => parseKeysFile('{"tenants": [], "admins": []}', 'k.json'))).toEqual([
      { at: '(file)', problem: 'unknown field(s) admins' },
    ]);
    const [bad] = problemsOf(() => parseKeysFile('tenants:\n  - id: a\n   scopes: [sk-secret-123', 'k.yaml'));
    expect(bad.problem).toMatch(/^not valid YAML at line \d+, column \d+$/);
  });
});

describe(readKeysFile.name, () => {
  it('reads the example keys file of the repository (examples/keys.yaml)', () => {
    const sut = readKeysFile(resolve(import.meta.dirname, '../../../../examples/keys.yaml'));
    expect(sut.tenants.map((t) => t.id)).toEqual(['team-a', 'team-b', 'ops']);
    expect(sut.tenants[0]).toMatchObject({ limits: { texts_per_s: 500, max_queued_texts: 200000, weight: 2 } });
    expect(sut.tenants[0].keys[0].sha256).toBe(sha('team-a-ci-key-0001'));
  });

  it('names the file that cannot be read', () => {
    const read = () => {
      throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    };
    expect(problemsOf(() => readKeysFile('/nope/keys.yaml', read))).toEqual([{ at: '(file)', problem: 'cannot be read (ENOENT)' }]);
  });
});
