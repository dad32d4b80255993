// Runs `emo ARGS` in this process (runCli on a context of the given environment only) and returns
// what a user would see: the exit code and everything written to stdout and stderr.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import type { Env } from '@emo/config';
import { CliContext } from '../cli-context';
import { runCli } from '../program';

export interface CapturedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const REPO_ROOT = join(__dirname, '../../../..');
export const TINY_MODEL = join(REPO_ROOT, 'test/fixtures/models/tiny-softmax');

/** The environment of a test run: warnings only, the tiny model, optimized models out of the repository. */
export const testEnv = (extra: Env = {}): Env => ({
  LOG_LEVEL: 'warn',
  MODEL_DIR: TINY_MODEL,
  OPTIMIZED_MODEL_CACHE_DIR: join(tmpdir(), 'emo-cli-spec-ort-cache'),
  ...extra,
});

export async function runCliCaptured(args: readonly string[], env: Env = testEnv()): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const capture =
    (append: (s: string) => void) =>
    (chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => (stdout += s)) as typeof process.stdout.write);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => (stderr += s)) as typeof process.stderr.write);
  try {
    const code = await runCli(['node', 'emo', ...args], new CliContext(env));
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

export const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
