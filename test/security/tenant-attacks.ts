// Runs the fuzz commands (tenant-commands.ts) against the API: picks the ids they name from the
// model (TenantWorld), sends the request with the key travelling as the command says, checks
// every answer (tenant-invariants.ts), checks what the model predicts (own things readable,
// another tenant's id answered byte for byte as a missing one, a cancel of another tenant's job
// leaving it alone, idempotency keys per tenant, admin routes needing the admin scope), and
// records what was created.
import { randomUUID } from 'node:crypto';
import type { Scope } from '@emo/contracts';
import type { Command, Target } from './tenant-commands';
import {
  KEYS,
  keyOf,
  SCOPES_OF,
  TENANTS,
  type Requester,
  type SecRequest,
  type SecResponse,
  type TenantFleet,
  type TenantName,
} from './tenant-fleet';
import { checkAnswer, checkSameAsMissing, clip, describeRequest, errorCode, type Verdicts } from './tenant-invariants';
import { GUESSABLE_BACKFILL_IDS, type TenantWorld } from './tenant-world';

type Base = Pick<Command, 'who' | 'auth' | 'queryParam'>;

export const isTenant = (who: Requester): who is TenantName => (TENANTS as readonly string[]).includes(who);
export const others = (who: Requester) => TENANTS.filter((t) => t !== who);
export const pickOf = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
export const withId = (template: string, id: string) => template.replace('{id}', id);

/**
 * How an id goes into a URL path: encoded, or half the time as is when it is printable ASCII (`%zz`,
 * `../..` included) and holds no `?` or `#` (which would end the path: not an id any more).
 */
export const inPath = (id: string, n: number) =>
  /^[\x21-\x7e]+$/.test(id) && !/[?#]/.test(id) && n % 2 === 0 ? id : encodeURIComponent(id);

/** A random id nobody made, as long as `id` (so a 404 that names the id is as long too). */
export function missingLike(id: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return randomUUID();
  let s = 'm';
  while (s.length < id.length) s += randomUUID().replace(/-/g, '');
  return s.slice(0, Math.max(id.length, 1));
}

/** The route template an answer is counted under: `GET /v1/jobs/{id}`. */
const TEMPLATES = [
  '/v1/jobs/{id}/results',
  '/v1/jobs/{id}/trace',
  '/v1/jobs/{id}/events',
  '/v1/backfills/{id}/results',
  '/v1/backfills/{id}/errors',
  '/v1/backfills/{id}/rollups',
  '/v1/backfills/{id}/events',
  '/v1/cache/stats',
  '/v1/classify',
  '/v1/profile',
  '/v1/jobs',
  '/v1/backfills',
  '/v1/jobs/{id}',
  '/v1/backfills/{id}',
  '/healthz',
  '/readyz',
  '/metrics',
  '/docs/openapi.json',
  '/docs/openapi.yaml',
  '/docs',
];
/** The scope each route needs (what the issue asks: cache, profile and traces are the admin's); HEAD as GET. */
const SCOPED_ROUTES: readonly (readonly [string, Scope])[] = [
  ['POST /v1/classify', 'classify'],
  ['POST /v1/jobs', 'jobs'],
  ['GET /v1/jobs/{id}', 'jobs'],
  ['GET /v1/jobs/{id}/results', 'jobs'],
  ['DELETE /v1/jobs/{id}', 'jobs'],
  ['GET /v1/jobs/{id}/trace', 'admin'],
  ['POST /v1/backfills', 'backfills'],
  ['GET /v1/backfills/{id}', 'backfills'],
  ['GET /v1/backfills/{id}/results', 'backfills'],
  ['GET /v1/backfills/{id}/errors', 'backfills'],
  ['GET /v1/backfills/{id}/rollups', 'backfills'],
  ['GET /v1/backfills/{id}/events', 'backfills'],
  ['GET /v1/profile', 'admin'],
  ['GET /v1/cache/stats', 'admin'],
];
const REQUIRED_SCOPE = new Map(
  SCOPED_ROUTES.flatMap(([route, scope]) => [[route, scope] as const, [route.replace(/^GET /, 'HEAD '), scope] as const]),
);

const PATTERNS = TEMPLATES.map((t) => [t, new RegExp(`^${t.replace('{id}', '[^/]+')}$`)] as const);
export function routeOf(method: string, url: string): string {
  const path = url.split('?')[0];
  const hit = PATTERNS.find(([, re]) => re.test(path));
  return hit ? `${method} ${hit[0]}` : '* unknown';
}

export class TenantAttacks {
  /** Requests and cross-tenant probes (another tenant's id) per route label, and how often each finding of the issue was tried. */
  readonly coverage = { requests: new Map<string, number>(), crossTenant: new Map<string, number>(), findings: new Map<string, number>() };
  verdicts!: Verdicts;

  constructor(
    private readonly fleet: TenantFleet,
    readonly world: TenantWorld,
  ) {}

  /** The command was sent by a tenant, with its key in the header: the model's predictions apply. */
  judged = (cmd: Base): cmd is Base & { who: TenantName } => isTenant(cmd.who) && cmd.auth === 'header';

  /**
   * Sends `req` as `cmd.who`, the key travelling as `cmd.auth` says, and checks the answer: the
   * checks of every answer, a key in the query string refused, and a key without the route's scope
   * never served (`wellFormed`: nothing the router or a body parser refuses first, so 403 SCOPE_MISSING).
   */
  async call(cmd: Base, req: SecRequest, wellFormed = false): Promise<SecResponse> {
    const headers: Record<string, string> = { ...req.headers };
    let url = req.url;
    const { who, auth } = cmd;
    const key = keyOf(who);
    const keyed = key !== undefined && who !== 'bad';
    if (who === 'bad' || (keyed && (auth === 'header' || auth === 'both'))) headers.authorization = `Bearer ${key}`;
    if (keyed && (auth === 'query' || auth === 'both')) url += `${url.includes('?') ? '&' : '?'}${cmd.queryParam}=${key}`;
    if (keyed && auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    if (keyed && auth === 'mangled') headers.authorization = key.length % 2 ? `Bearer ${key} ${KEYS.b}` : `Bearer ${key.slice(0, -1)}`;
    const sent = { ...req, url, headers };
    const route = routeOf(req.method, url);
    this.coverage.requests.set(route, (this.coverage.requests.get(route) ?? 0) + 1);
    const res = await this.fleet.send(sent);
    const authenticated = keyed && (auth === 'header' || auth === 'both');
    checkAnswer(this.verdicts, this.world, { who, route, authenticated }, sent, res);
    const what = `${describeRequest(who, sent)} → ${res.status} ${clip(res.body, 160)}`;
    const refused = (status: number, code: string) => res.status === status && (req.method === 'HEAD' || errorCode(res) === code);
    // The router's own refusals (a path parameter too long, a URL that does not decode) come first.
    const routerRefused = refused(414, 'URI_TOO_LONG') || refused(400, 'REQUEST_MALFORMED');
    if (keyed && (auth === 'query' || auth === 'both') && !refused(400, 'API_KEY_IN_QUERY') && !routerRefused)
      this.verdicts.add('a key in the query string is refused (400 API_KEY_IN_QUERY)', route, what);
    if (res.status === 429 && errorCode(res) === 'RATE_LIMITED') this.tried('429 RATE_LIMITED (its headers checked)');
    const scope = REQUIRED_SCOPE.get(route);
    if (authenticated && scope && !SCOPES_OF[who as TenantName | 'ltd'].has(scope)) {
      if (res.status < 300) this.verdicts.add(`a key without the ${scope} scope is refused`, route, what);
      else if (wellFormed && auth === 'header' && !refused(403, 'SCOPE_MISSING'))
        this.verdicts.add(`a key without the ${scope} scope gets 403 SCOPE_MISSING`, route, what);
    }
    return res;
  }

  tried(finding: string): void {
    this.coverage.findings.set(finding, (this.coverage.findings.get(finding) ?? 0) + 1);
  }

  expect(ok: boolean, invariant: string, cmd: Base, req: SecRequest, res: SecResponse): void {
    if (!ok)
      this.verdicts.add(invariant, routeOf(req.method, req.url), `${describeRequest(cmd.who, req)} → ${res.status} ${clip(res.body, 240)}`);
  }

  /** Whose id a target names: `own` and `other` fall back to a missing id while there is none. */
  jobId(who: Requester, target: Target): { id: string; kind: 'own' | 'other' | 'missing' | 'malformed' } {
    if (target.kind === 'malformed') return { id: target.raw, kind: 'malformed' };
    if (target.kind === 'own' && isTenant(who)) {
      const job = pickOf(this.world.jobsOf(who), target.pick);
      if (job) return { id: job.id, kind: 'own' };
    }
    if (target.kind === 'other') {
      const theirs = this.world.jobs.filter((j) => j.owner !== who);
      // Every third probe aims at a job that is still running, where a cancel would show.
      const held = theirs.filter((j) => j.held && !j.cancelledByOwner);
      const job = target.pick % 3 === 0 ? pickOf(held, target.pick) : pickOf(theirs, target.pick);
      if (job) return { id: job.id, kind: 'other' };
    }
    return { id: randomUUID(), kind: 'missing' };
  }

  /** Whose backfill id a target names, seen from `who`: a guessed id `who` used itself is its own. */
  backfillId(who: Requester, target: Target): { id: string; kind: 'own' | 'other' | 'missing' | 'malformed' } {
    if (target.kind === 'malformed') return { id: target.raw, kind: 'malformed' };
    let id: string | undefined;
    if (target.kind === 'own' && isTenant(who)) id = pickOf(this.world.backfillsOf(who), target.pick)?.id;
    if (target.kind === 'other')
      id = pickOf(
        others(who).flatMap((t) => this.world.backfillsOf(t)),
        target.pick,
      )?.id;
    if (target.kind === 'guess') id = pickOf(GUESSABLE_BACKFILL_IDS, target.pick);
    if (id === undefined) return { id: missingLike('m'.repeat(36)), kind: 'missing' };
    return { id, kind: isTenant(who) && this.world.backfill(who, id) ? 'own' : 'other' };
  }

  /**
   * `req` named another tenant's id: sends the same request with a missing id of the same length
   * and checks the two answers are the same (status, content type, header names, body with the id
   * replaced).
   */
  async sameAsMissing(cmd: Base, req: SecRequest, res: SecResponse, otherId: string, build: (id: string) => SecRequest): Promise<void> {
    const route = routeOf(req.method, req.url);
    this.coverage.crossTenant.set(route, (this.coverage.crossTenant.get(route) ?? 0) + 1);
    const missingId = missingLike(otherId);
    const missing = await this.call(cmd, build(missingId));
    checkSameAsMissing(this.verdicts, route, cmd.who, { otherId, other: res, missingId, missing, url: req.url });
  }

  /** After anyone but its owner tried to cancel a job: the owner still sees it as it was. */
  async ownerSeesJobUntouched(id: string): Promise<void> {
    const job = this.world.jobs.find((j) => j.id === id);
    if (!job || job.cancelledByOwner) return;
    if (job.held) this.tried("cancel of another tenant's running job");
    const owner = { who: job.owner, auth: 'header', queryParam: 'api_key' } as const;
    const req: SecRequest = { method: 'GET', url: `/v1/jobs/${id}` };
    const res = await this.call(owner, req);
    const state = res.status === 200 ? (JSON.parse(res.body) as { state?: string }).state : undefined;
    this.expect(
      res.status === 200 && state !== 'cancelling' && state !== 'cancelled',
      "another tenant's DELETE leaves the job as it was",
      owner,
      req,
      res,
    );
  }
}
