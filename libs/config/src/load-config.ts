// loadConfig: parses env (+ optional JSON file) once, reports every bad variable in one error,
// returns a deeply frozen object of sections. The only place in the product that reads process.env.
import { readFileSync } from 'node:fs';
import { AppError } from '@emo/contracts';
import type { z } from 'zod';
import { CONFIG_FILE_ENV, SETTINGS, configSchema, type AppConfig, type SettingKey } from './config.schema';

export type Env = Readonly<Record<string, string | undefined>>;

/** Overrides (CLI flags) by setting key, whatever the section: `{ inferenceThreads: 4 }`. */
export type ConfigOverrides = Partial<Record<SettingKey, unknown>>;

export function loadConfig(env: Env = process.env, overrides: ConfigOverrides = {}): AppConfig {
  const fileValues = readConfigFile(env[CONFIG_FILE_ENV]);
  const raw: Record<string, Record<string, unknown>> = {};
  const flat: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS)) {
    const fromEnv = env[s.env];
    const value = key in overrides ? overrides[key as SettingKey] : fromEnv !== undefined && fromEnv !== '' ? fromEnv : fileValues[s.env];
    raw[s.section] ??= {};
    if (value !== undefined) raw[s.section][key] = flat[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw configError(parsed.error, flat);
  const config = parsed.data as AppConfig;
  const problems = crossSettingProblems(config);
  if (problems.length > 0) throw problemsError(problems);
  return deepFreeze(config);
}

/** Rules between settings that one setting's schema cannot state. */
function crossSettingProblems(config: AppConfig): { variable: string; problem: string }[] {
  const keys = new Set(config.api.apiKeys);
  const strays = config.api.apiAdminKeys.filter((k) => !keys.has(k)).length;
  // An admin key outside API_KEYS would authenticate nowhere: surely a typo, refused loudly.
  return strays > 0
    ? [{ variable: 'API_ADMIN_KEYS', problem: `${strays} key(s) not in API_KEYS (every admin key must also be in API_KEYS)` }]
    : [];
}

/** Settings whose values are secrets: a problem with one never repeats the value. */
const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  'apiKeys',
  'apiAdminKeys',
  'cliApiKey',
  'redisClusterPassword',
  'cacheRedisClusterPassword',
]);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AppError('CONFIG_INVALID', `${CONFIG_FILE_ENV}: cannot read ${path} (${(e as Error).message})`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    const known = new Set(Object.values(SETTINGS).map((s) => s.env));
    const unknown = Object.keys(value).filter((k) => !known.has(k));
    if (unknown.length > 0) throw new Error(`unknown settings ${unknown.join(', ')}`);
    return value as Record<string, unknown>;
  } catch (e) {
    throw new AppError('CONFIG_INVALID', `${CONFIG_FILE_ENV}: ${path} is invalid (${(e as Error).message})`);
  }
}

function configError(error: z.ZodError, raw: Record<string, unknown>): AppError {
  const problems = error.issues.map((issue) => {
    const key = String(issue.path[1] ?? issue.path[0]);
    const s = SETTINGS[key] as (typeof SETTINGS)[string] | undefined;
    const name = s?.env ?? key;
    const got = raw[key] === undefined || SECRET_SETTINGS.has(key) ? '' : ` (got ${JSON.stringify(raw[key])})`;
    const values = 'values' in issue && Array.isArray(issue.values) ? (issue.values as unknown[]) : undefined;
    const problem = values ? `must be one of ${values.join('|')}` : issue.message;
    return { variable: name, problem: `${problem}${got}` };
  });
  return problemsError(problems);
}

function problemsError(problems: { variable: string; problem: string }[]): AppError {
  const message = `Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.problem}`).join('; ')}`;
  return new AppError('CONFIG_INVALID', message, { problems });
}

/** Markdown rows (variable | default | doc) for the README's configuration table. */
export function configDocRows(): string[] {
  return Object.values(SETTINGS).map((s) => {
    const d = s.schema.safeParse(undefined);
    const def = d.success && d.data !== undefined ? `\`${Array.isArray(d.data) ? d.data.join(',') : String(d.data)}\`` : '—';
    return `| \`${s.env}\` | ${def} | ${s.doc} |`;
  });
}
