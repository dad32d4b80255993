// The invariants the security fuzz checks, collected as violations (invariant, route, what was
// seen) instead of thrown one by one, so a failing run reports every kind of breach it met.
// Checked on every answer: no 5xx; an error body is `{ error: { code, message, details? } }` with a
// registry code whose status is the answer's; 429 and 503 say Retry-After (and a 429 RATE_LIMITED
// the RateLimit headers); no answer to one tenant
// holds another's secrets; nothing but the open routes answers 2xx without a valid key. The
// commands add the invariants that need the model (own things readable, another tenant's id
// answered exactly as a missing one, cancels, idempotency, scopes).
import { ERROR_CODES, isErrorCode } from '@emo/contracts';
import type { Requester, SecRequest, SecResponse } from './tenant-fleet';
import type { TenantWorld } from './tenant-world';

export interface Violation {
  readonly invariant: string;
  readonly route: string;
  readonly detail: string;
}

/** Routes any caller may use without a key. */
const OPEN_ROUTES = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /docs',
  'GET /docs/openapi.json',
  'GET /docs/openapi.yaml',
  '* unknown',
]);
/** Fleet-wide views for operators: the admin tenant reading them is not a cross-tenant read. */
const ADMIN_VIEWS = new Set(['GET /v1/profile', 'GET /v1/cache/stats', 'GET /metrics']);
/** Answer headers that differ between any two requests, whatever they asked. */
const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'content-length', 'retry-after', 'keep-alive', 'connection']);

export const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
export const describeRequest = (who: Requester, req: SecRequest) => `${who} ${req.method} ${clip(req.url, 160)}`;

export class Verdicts {
  readonly violations: Violation[] = [];

  add(invariant: string, route: string, detail: string): void {
    this.violations.push({ invariant, route, detail });
  }

  /** Every violation kind once (invariant × route) with its count and first example. */
  summary(): string {
    const groups = new Map<string, { n: number; first: Violation }>();
    for (const v of this.violations) {
      const key = `${v.invariant} @ ${v.route}`;
      const g = groups.get(key);
      if (g) g.n += 1;
      else groups.set(key, { n: 1, first: v });
    }
    return [...groups].map(([key, g]) => `- ${key} (×${g.n}): ${g.first.detail}`).join('\n');
  }
}

/** The error body of an answer, or what is wrong with it. */
export function errorBodyProblem(res: SecResponse): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `not JSON: ${clip(res.body, 120)}`;
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!body || typeof body !== 'object' || Object.keys(body).join() !== 'error' || !error || typeof error !== 'object')
    return `not { error: {...} }: ${clip(res.body, 120)}`;
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k));
  if (extra.length > 0) return `extra fields ${extra.join(',')}`;
  if (typeof error.message !== 'string') return 'message is not a string';
  if (!isErrorCode(error.code)) return `code ${String(error.code)} is not in the registry`;
  if (ERROR_CODES[error.code].httpStatus !== res.status) return `${error.code} is ${ERROR_CODES[error.code].httpStatus} in the registry`;
  return undefined;
}

export const errorCode = (res: SecResponse): string | undefined => {
  try {
    return (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
};

const requestText = (req: SecRequest) => `${req.url}\n${JSON.stringify(req.headers ?? {})}\n${req.payload?.toString() ?? ''}`;

/** The checks every answer gets. `authenticated`: the request carried a valid key the way the API accepts it. */
export function checkAnswer(
  verdicts: Verdicts,
  world: TenantWorld,
  call: { who: Requester; route: string; authenticated: boolean },
  req: SecRequest,
  res: SecResponse,
): void {
  const { who, route } = call;
  const what = `${describeRequest(who, req)} → ${res.status} ${clip(res.body, 200)}`;
  if (res.status >= 500) verdicts.add('no 5xx', route, what);
  if (res.status >= 400 && req.method !== 'HEAD') {
    const problem = errorBodyProblem(res);
    if (problem) verdicts.add('error in the registry shape', route, `${problem}; ${what}`);
  }
  if ((res.status === 429 || res.status === 503) && res.headers['retry-after'] === undefined)
    verdicts.add('Retry-After on 429/503', route, what);
  if (
    res.status === 429 &&
    errorCode(res) === 'RATE_LIMITED' &&
    (res.headers['ratelimit'] === undefined || res.headers['ratelimit-policy'] === undefined)
  )
    verdicts.add('RateLimit and RateLimit-Policy on 429 RATE_LIMITED', route, what);
  if (!call.authenticated && !OPEN_ROUTES.has(route) && res.status < 300) verdicts.add('no access without a valid key', route, what);
  if (who === 'admin' && ADMIN_VIEWS.has(route)) return;
  for (const leak of world.leaks(who, requestText(req), res.body + JSON.stringify(res.headers)))
    verdicts.add('no cross-tenant read', route, `${who} read ${leak.owner}'s ${leak.secret}: ${what}`);
}

/** Checks that `other` (the answer for another tenant's id) is what `missing` (a random id of the same length) got. */
export function checkSameAsMissing(
  verdicts: Verdicts,
  route: string,
  who: Requester,
  pair: { otherId: string; other: SecResponse; missingId: string; missing: SecResponse; url: string },
): void {
  const norm = (res: SecResponse, id: string) => ({
    status: res.status,
    type: res.headers['content-type'],
    headers: Object.keys(res.headers)
      .filter((h) => !VOLATILE_HEADERS.has(h) && !h.startsWith('ratelimit'))
      .sort()
      .join(','),
    body: res.body.split(id).join('<id>').split(encodeURIComponent(id)).join('<id>'),
  });
  const a = norm(pair.other, pair.otherId);
  const b = norm(pair.missing, pair.missingId);
  const differs = (['status', 'type', 'headers', 'body'] as const).filter((k) => a[k] !== b[k]);
  if (differs.length > 0)
    verdicts.add(
      "another tenant's id answers as a missing one",
      route,
      `${who} ${clip(pair.url, 120)}: ${differs.map((k) => `${k} ${clip(String(a[k]), 160)} ≠ ${clip(String(b[k]), 160)}`).join('; ')}`,
    );
}
