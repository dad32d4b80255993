// Reads docker-compose.yml the way `docker compose config` does before validating: YAML merge
// keys (<<) resolved and ${VAR}, ${VAR:-default}, ${VAR-default} interpolated from an environment.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g;

export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(VARIABLE, (_, name: string, op: string | undefined, fallback: string | undefined) => {
    const value = env[name];
    if (op === ':-') return value === undefined || value === '' ? (fallback ?? '') : value;
    if (op === '-') return value === undefined ? (fallback ?? '') : value;
    return value ?? '';
  });
}

export function readCompose(path: string, env: Readonly<Record<string, string | undefined>> = {}): Record<string, unknown> {
  return parse(interpolate(readFileSync(path, 'utf8').replace(/\$\$/g, '\u0000'), env).replace(/\u0000/g, '$'), { merge: true }) as Record<
    string,
    unknown
  >;
}
