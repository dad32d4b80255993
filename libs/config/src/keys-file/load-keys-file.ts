// Reads and validates the keys file (API_KEYS_FILE): JSON when the name ends in .json, YAML
// otherwise (YAML also reads JSON). Every problem is listed in one CONFIG_INVALID error, as
// loadConfig does for env, naming the file and the place (`tenants[1].keys[0].sha256`) but
// never a value: a wrong value may be a key pasted where its digest belongs.
import { readFileSync } from 'node:fs';
import { AppError } from '@emo/contracts';
import { parse as parseYaml } from 'yaml';
import { keysFileSchema, type KeysFile } from './keys-file.schema';

export const KEYS_FILE_ENV = 'API_KEYS_FILE';

export interface KeysFileProblem {
  /** Where in the file: `tenants[0].keys[1].sha256`, or `(file)` for the whole. */
  readonly at: string;
  readonly problem: string;
}

/** Parses the text of a keys file; `path` is only used in the error. */
export function parseKeysFile(text: string, path: string): KeysFile {
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    // The parsers' messages quote a line of the file, which may hold a key: only the position is kept.
    throw keysFileError(path, [{ at: '(file)', problem: `not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}${position(e)}` }]);
  }
  const parsed = keysFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw keysFileError(
      path,
      parsed.error.issues.map((issue) => ({ at: formatPath(issue.path) || '(file)', problem: problemOf(issue) })),
    );
  }
  return deepFreeze(parsed.data);
}

/** Reads and parses the keys file at `path` (CONFIG_INVALID when it cannot be read). */
export function readKeysFile(path: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): KeysFile {
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    throw keysFileError(path, [{ at: '(file)', problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
  }
  return parseKeysFile(text, path);
}

function keysFileError(path: string, problems: KeysFileProblem[]): AppError {
  const message = `Invalid keys file ${KEYS_FILE_ENV}=${path}: ${problems.map((p) => `${p.at}: ${p.problem}`).join('; ')}`;
  return new AppError('CONFIG_INVALID', message, { file: path, problems });
}

function problemOf(issue: { code: string; message: string; keys?: unknown }): string {
  if (issue.code === 'unrecognized_keys' && Array.isArray(issue.keys)) return `unknown field(s) ${issue.keys.join(', ')}`;
  return issue.message;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function position(e: unknown): string {
  const linePos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
  if (linePos) return ` at line ${linePos.line}, column ${linePos.col}`;
  const at = /position (\d+)/.exec((e as Error).message ?? '');
  return at ? ` at character ${at[1]}` : '';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
