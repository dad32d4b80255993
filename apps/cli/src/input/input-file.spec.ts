import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkInputFile } from './input-file';
import { countLines } from './count-lines';

const dir = mkdtempSync(join(tmpdir(), 'emo-input-file-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe(checkInputFile.name, () => {
  it('gives the size of a regular file and nothing for stdin', () => {
    expect(checkInputFile(file('a.ndjson', '{"text":"hi"}\n'))).toEqual({ size: 14 });
    expect(checkInputFile('-')).toEqual({});
  });

  it('refuses a directory as a usage error naming it', () => {
    const sub = join(dir, 'exports');
    mkdirSync(sub);
    expect(() => checkInputFile(sub, '--data')).toThrow(
      expect.objectContaining({ code: 'CLI_USAGE', message: `cannot read --data ${sub}: it is a directory; give a file (or - for stdin)` }),
    );
  });

  it('refuses a missing path, and an unreadable one where permissions apply', () => {
    expect(() => checkInputFile(join(dir, 'missing.ndjson'))).toThrow(
      expect.objectContaining({ code: 'CLI_USAGE', message: expect.stringMatching(/missing\.ndjson: ENOENT/) }),
    );
    const locked = file('locked.ndjson', 'x\n');
    chmodSync(locked, 0o000);
    // root reads anything: there the file is simply readable.
    if (process.getuid?.() === 0) expect(checkInputFile(locked)).toEqual({ size: 2 });
    else
      expect(() => checkInputFile(locked)).toThrow(
        expect.objectContaining({ code: 'CLI_USAGE', message: expect.stringMatching(/EACCES/) }),
      );
  });
});

describe(countLines.name, () => {
  it.each([
    ['', 0],
    ['one\n', 1],
    ['one\ntwo', 2],
    ['one\r\ntwo\r\n\nfour\n', 4],
  ])('%j has %i lines', async (content, lines) => {
    expect(await countLines(file(`count-${lines}.txt`, content))).toBe(lines);
  });

  it('counts across read chunks (a file larger than one chunk)', async () => {
    const line = `${'x'.repeat(99)}\n`;
    expect(await countLines(file('big.txt', line.repeat(30_000)))).toBe(30_000);
  });
});
