// The API key the CLI sends to a fleet API, and what a refusal (401/403) tells the user. The key
// travels only in the Authorization header, never in the URL.
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';

/**
 * --api-key, else EMO_API_KEY, else (a fleet on this machine) the first of API_ADMIN_KEYS, then of
 * API_KEYS: the admin key first, as admin routes (cache stats, profile) need that scope.
 */
export function fleetApiKey(flag: string | undefined, config: AppConfig): string | undefined {
  return flag ?? config.runtime.cliApiKey ?? config.api.apiAdminKeys[0] ?? config.api.apiKeys[0];
}

export const authHeaders = (key: string | undefined): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});

/**
 * The error for a 401/403 answer of `what` (e.g. "GET /v1/cache/stats"): UNAUTHORIZED for a 401
 * (no key sent, or one the API does not take), FORBIDDEN for a key it refuses, SCOPE_MISSING for a
 * key without the route's scope; undefined for any other answer. `code` is the API's error code, if any.
 */
export function authError(status: number, what: string, keySent: boolean, code?: unknown): AppError | undefined {
  if (status === 401)
    return new AppError(
      'UNAUTHORIZED',
      keySent
        ? `${what} answered 401: the API did not accept the key sent`
        : `${what} answered 401: the API wants a key; pass --api-key or set EMO_API_KEY`,
    );
  if (status !== 403) return undefined;
  if (code === 'SCOPE_MISSING')
    return new AppError(
      'SCOPE_MISSING',
      `${what} answered 403: the API key lacks the scope this route needs (admin routes need a key of API_ADMIN_KEYS)`,
    );
  // Another 403 of the API (its own code) is not about the key: the caller reports it as it is.
  if (code !== undefined && code !== 'FORBIDDEN') return undefined;
  return new AppError(
    'FORBIDDEN',
    `${what} answered 403: the API key was refused (not one of the API's keys); check --api-key or EMO_API_KEY`,
  );
}
