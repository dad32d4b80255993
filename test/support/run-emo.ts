// Spawns the built `emo` CLI the way a user runs it.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const TINY_MODEL = resolve(ROOT, 'test/fixtures/models/tiny-softmax');
export const DEFAULT_MODEL = resolve(ROOT, 'models/goemotions-mini');

export interface EmoRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runEmo(args: readonly string[], opts: { env?: Record<string, string>; input?: string | Buffer } = {}): EmoRun {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'bin/emo.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
