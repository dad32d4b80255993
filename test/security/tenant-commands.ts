// The commands the security fuzz sends, as fast-check arbitraries of plain descriptions: who
// asks (tenant A, B, the admin, no key, an unknown key), how the key travels (header, query
// string, both, Basic, mangled), which route, and whose id (own, another tenant's, missing,
// guessed, malformed). Ids and texts are chosen when a command runs (TenantAttacks), from the
// state the earlier commands left, so any sequence is meaningful.
import fc from 'fast-check';
import type { Requester } from './tenant-fleet';

/** How the key travels: only `header` is how the API takes keys. */
export type AuthMode = 'header' | 'query' | 'both' | 'basic' | 'mangled';
/** Whose id a command names; `guess` is a backfill id anyone would try (support-2023). */
export type TargetKind = 'own' | 'other' | 'missing' | 'malformed' | 'guess';
export type KeyMode = 'none' | 'fresh' | 'own-same' | 'own-diff' | 'other-same' | 'other-diff' | 'other-count' | 'guess';
export type UploadIdMode = 'none' | 'fresh' | 'own-same' | 'own-diff' | 'other' | 'guess' | 'malformed';

export interface Target {
  readonly kind: TargetKind;
  readonly pick: number;
  readonly raw: string;
}

interface Base {
  readonly who: Requester;
  readonly auth: AuthMode;
  /** Query parameter that carries the key in the `query` and `both` modes. */
  readonly queryParam: string;
}

export type Command =
  | (Base & {
      op: 'submit';
      items: number;
      withIds: boolean;
      odd: string[];
      priority: 'bulk' | 'interactive';
      key: KeyMode;
      inHeader: boolean;
      pick: number;
    })
  | (Base & { op: 'classify'; texts: string[] })
  | (Base & { op: 'job-read'; route: 'status' | 'results' | 'trace'; method: 'GET' | 'HEAD'; target: Target; offset: string })
  | (Base & { op: 'job-cancel'; target: Target })
  | (Base & { op: 'upload'; id: UploadIdMode; lines: number; csv: boolean; badLine: boolean; pick: number; raw: string })
  | (Base & {
      op: 'backfill-read';
      route: 'status' | 'results' | 'errors' | 'rollups' | 'events';
      method: 'GET' | 'HEAD';
      target: Target;
      by: string;
    })
  | (Base & { op: 'fleet'; route: 'profile' | 'cache-stats' | 'healthz' | 'readyz' | 'metrics' | 'docs' | 'openapi' | 'openapi-yaml' })
  | (Base & { op: 'garbage'; method: string; path: string; target: Target; contentType: string; body: string });

/** Names an API might read a key from; each must be refused, never honoured. */
export const QUERY_KEY_PARAMS = ['api_key', 'apikey', 'api-key', 'API_KEY', 'key', 'token', 'access_token'] as const;

/** The route templates a garbage command aims at (unknown paths included). */
export const GARBAGE_PATHS = [
  '/v1/classify',
  '/v1/jobs',
  '/v1/jobs/{id}',
  '/v1/jobs/{id}/results',
  '/v1/jobs/{id}/trace',
  '/v1/jobs/{id}/events',
  '/v1/backfills',
  '/v1/backfills/{id}',
  '/v1/backfills/{id}/results',
  '/v1/backfills/{id}/errors',
  '/v1/backfills/{id}/rollups',
  '/v1/backfills/{id}/events',
  '/v1/cache/stats',
  '/v1/cache',
  '/v1/profile',
  '/docs-json',
  '/docs-yaml',
  '/v1/{id}',
  '/{id}',
  '/v2/jobs',
] as const;

const weighted = <T>(...pairs: [number, T][]) => fc.oneof(...pairs.map(([weight, v]) => ({ weight, arbitrary: fc.constant(v) })));

const requester = weighted<Requester>([8, 'a'], [8, 'b'], [3, 'admin'], [2, 'ltd'], [1, 'anon'], [1, 'bad']);
const authMode = weighted<AuthMode>([24, 'header'], [1, 'query'], [1, 'both'], [1, 'basic'], [1, 'mangled']);
const base = { who: requester, auth: authMode, queryParam: fc.constantFrom(...QUERY_KEY_PARAMS) };

/** Strings an attacker puts where an id goes. */
export const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.constantFrom('..', '../../etc/passwd', '%00', '%zz', '%2F', ' ', 'null', '*', '__proto__', 'constructor', '{id}', 'a'.repeat(129)),
  fc.string({ minLength: 250, maxLength: 300 }),
  fc.uuid(),
);

const target = (kinds: [number, TargetKind][]) => fc.record({ kind: weighted(...kinds), pick: fc.nat(), raw: oddString });
const jobTarget = target([
  [3, 'own'],
  [5, 'other'],
  [2, 'missing'],
  [1, 'malformed'],
]);
const backfillTarget = target([
  [3, 'own'],
  [4, 'other'],
  [2, 'guess'],
  [1, 'missing'],
  [1, 'malformed'],
]);

const texts = fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', '   ', 'thanks, that made my day')), { maxLength: 4 });

const submit = fc.record({
  ...base,
  op: fc.constant('submit' as const),
  items: fc.integer({ min: 1, max: 5 }),
  withIds: fc.boolean(),
  odd: texts,
  priority: weighted<'bulk' | 'interactive'>([3, 'bulk'], [1, 'interactive']),
  key: weighted<KeyMode>(
    [2, 'none'],
    [3, 'fresh'],
    [2, 'own-same'],
    [2, 'own-diff'],
    [2, 'other-same'],
    [2, 'other-diff'],
    [2, 'other-count'],
    [1, 'guess'],
  ),
  inHeader: fc.boolean(),
  pick: fc.nat(),
});

const classify = fc.record({ ...base, op: fc.constant('classify' as const), texts: texts.filter((t) => t.length > 0) });

const offset = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.nat({ max: 20 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-1', 'abc', '1e9', '0x10', '1.5', '') },
);
const method = weighted<'GET' | 'HEAD'>([5, 'GET'], [1, 'HEAD']);

const jobRead = fc.record({
  ...base,
  op: fc.constant('job-read' as const),
  route: weighted<'status' | 'results' | 'trace'>([4, 'status'], [4, 'results'], [2, 'trace']),
  method,
  target: jobTarget,
  offset,
});

const jobCancel = fc.record({ ...base, op: fc.constant('job-cancel' as const), target: jobTarget });

const upload = fc.record({
  ...base,
  op: fc.constant('upload' as const),
  id: weighted<UploadIdMode>([1, 'none'], [3, 'fresh'], [2, 'own-same'], [1, 'own-diff'], [2, 'other'], [2, 'guess'], [1, 'malformed']),
  lines: fc.integer({ min: 1, max: 6 }),
  csv: fc.boolean(),
  badLine: fc.boolean(),
  pick: fc.nat(),
  raw: oddString,
});

const backfillRead = fc.record({
  ...base,
  op: fc.constant('backfill-read' as const),
  route: weighted<'status' | 'results' | 'errors' | 'rollups' | 'events'>(
    [3, 'status'],
    [3, 'results'],
    [2, 'errors'],
    [3, 'rollups'],
    [2, 'events'],
  ),
  method,
  target: backfillTarget,
  by: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('user', 'conversation_id') }, { weight: 1, arbitrary: oddString }),
});

const fleetRoute = fc.record({
  ...base,
  op: fc.constant('fleet' as const),
  route: fc.constantFrom('profile', 'cache-stats', 'healthz', 'readyz', 'metrics', 'docs', 'openapi', 'openapi-yaml'),
});

const garbage = fc.record({
  ...base,
  op: fc.constant('garbage' as const),
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
  path: fc.constantFrom(...GARBAGE_PATHS),
  target: jobTarget,
  contentType: fc.constantFrom(
    '',
    'application/json',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-ndjson',
    'text/csv',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
  ),
  body: fc.oneof(
    fc.constantFrom('', '{"items": [', 'null', '[]', '"items"', '{"items":[{"text":5}]}', '{"texts":"x"}', '{"__proto__":{"admin":true}}'),
    fc.constantFrom('{not json\n', 'id,text\n1,"unterminated\n', '\u0000\u0001\u0002', 'x'.repeat(70_000)),
    fc.string({ maxLength: 200 }),
  ),
});

/** One command of the fuzz. */
export const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: submit },
  { weight: 2, arbitrary: classify },
  { weight: 8, arbitrary: jobRead },
  { weight: 3, arbitrary: jobCancel },
  { weight: 4, arbitrary: upload },
  { weight: 8, arbitrary: backfillRead },
  { weight: 2, arbitrary: fleetRoute },
  { weight: 3, arbitrary: garbage },
);
