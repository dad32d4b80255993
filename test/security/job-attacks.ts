// The fuzz commands on /v1/classify and /v1/jobs: submits with idempotency keys (fresh, the
// tenant's own with the same or another payload, another tenant's with its payload, another one,
// or one of as many items, a guessable one), reads of status, results and traces, and cancels,
// each aimed at the tenant's own job, another tenant's, a missing or a malformed id.
import type { Command } from './tenant-commands';
import type { TenantName } from './tenant-fleet';
import { errorCode } from './tenant-invariants';
import { inPath, isTenant, others, pickOf, type TenantAttacks } from './tenant-attacks';
import { GUESSABLE_IDEMPOTENCY_KEYS } from './tenant-world';

type Submit = Extract<Command, { op: 'submit' }>;
type Item = { id?: string; text: string };

function newItems(t: TenantAttacks, owner: TenantName, n: number, cmd: Pick<Submit, 'withIds' | 'odd'>): Item[] {
  return Array.from({ length: n }, (_, i) => ({
    ...(cmd.withIds ? { id: t.world.fresh(owner, 'item') } : {}),
    text: cmd.odd[i] ?? `so glad ${t.world.fresh(owner, 'text')}`,
  }));
}

/** The key a submit uses and the payload it sends (`{ items, priority }` as JSON). */
function keyAndPayload(t: TenantAttacks, owner: TenantName, cmd: Submit): { key?: string; payload: string; inHeader: boolean } {
  const fresh = (n = cmd.items) => JSON.stringify({ items: newItems(t, owner, n, cmd), priority: cmd.priority });
  const theirs = others(owner).flatMap((o) => t.world.idempotencyKeysOf(o).map((key) => ({ key, entry: t.world.idempotencyKey(o, key)! })));
  const own = t.world.idempotencyKeysOf(owner).map((key) => ({ key, entry: t.world.idempotencyKey(owner, key)! }));
  const reuse = cmd.key.startsWith('own') ? pickOf(own, cmd.pick) : cmd.key.startsWith('other') ? pickOf(theirs, cmd.pick) : undefined;
  if (reuse) {
    if (cmd.key.startsWith('other')) t.tried(`another tenant's idempotency key (${cmd.key})`);
    const count = (JSON.parse(reuse.entry.payload) as { items: unknown[] }).items.length;
    const payload = cmd.key.endsWith('same') ? reuse.entry.payload : fresh(cmd.key === 'other-count' ? count : cmd.items);
    return { key: reuse.key, payload, inHeader: reuse.entry.inHeader };
  }
  if (cmd.key === 'none') return { payload: fresh(), inHeader: false };
  if (cmd.key === 'guess') {
    const key = pickOf(GUESSABLE_IDEMPOTENCY_KEYS, cmd.pick)!;
    const mine = t.world.idempotencyKey(owner, key);
    return { key, payload: mine && cmd.pick % 2 ? mine.payload : fresh(), inHeader: mine?.inHeader ?? false };
  }
  return { key: t.world.fresh(owner, 'idem'), payload: fresh(), inHeader: cmd.inHeader };
}

export async function submit(t: TenantAttacks, cmd: Submit): Promise<void> {
  const owner = isTenant(cmd.who) ? cmd.who : 'a';
  const { key, payload, inHeader } = keyAndPayload(t, owner, cmd);
  const body = { ...(JSON.parse(payload) as object), ...(key && !inHeader ? { idempotency_key: key } : {}) };
  const req = {
    method: 'POST' as const,
    url: '/v1/jobs',
    headers: { 'content-type': 'application/json', ...(key && inHeader ? { 'idempotency-key': key } : {}) },
    payload: JSON.stringify(body),
  };
  const res = await t.call(cmd, req, true);
  if (!isTenant(cmd.who) || res.status === 429) return;
  const mine = key ? t.world.idempotencyKey(owner, key) : undefined;
  const same = mine?.payload === payload;
  if (res.status === 202) {
    const created = JSON.parse(res.body) as { job_id: string; created: boolean };
    const prior = t.world.ownerOfJob(created.job_id);
    if (t.judged(cmd)) {
      t.expect(!prior || prior === owner, "an idempotency key never returns another tenant's job", cmd, req, res);
      if (mine && !same) t.expect(false, 'a reused key with another payload is 409 IDEMPOTENCY_CONFLICT', cmd, req, res);
      else if (mine)
        t.expect(!created.created && created.job_id === mine.jobId, 'a reused key with the same payload returns that job', cmd, req, res);
      else t.expect(created.created === true, 'idempotency keys are per tenant: a key new to the tenant makes a new job', cmd, req, res);
    }
    if (prior && prior !== owner) return;
    t.world.addJob(created.job_id, owner);
    if (key && !mine) t.world.addIdempotencyKey(owner, key, { payload, jobId: created.job_id, inHeader });
    for (const s of payload.match(new RegExp(`[a-z]+-[a-z]+-${t.world.salt}-[0-9a-z]{5}`, 'g')) ?? []) t.world.name(owner, s);
    return;
  }
  if (!t.judged(cmd)) return;
  const conflict = res.status === 409 && errorCode(res) === 'IDEMPOTENCY_CONFLICT';
  if (mine && !same) t.expect(conflict, 'a reused key with another payload is 409 IDEMPOTENCY_CONFLICT', cmd, req, res);
  else t.expect(false, 'a valid job is accepted (202)', cmd, req, res);
}

export async function classify(t: TenantAttacks, cmd: Extract<Command, { op: 'classify' }>): Promise<void> {
  const req = {
    method: 'POST' as const,
    url: '/v1/classify',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ texts: cmd.texts }),
  };
  const res = await t.call(cmd, req, true);
  if (!t.judged(cmd) || res.status === 429) return;
  const results = res.status === 200 ? (JSON.parse(res.body) as { results?: unknown[] }).results : undefined;
  t.expect(results?.length === cmd.texts.length, 'classify answers every text (200)', cmd, req, res);
}

const JOB_ROUTES = { status: '/v1/jobs/{id}', results: '/v1/jobs/{id}/results', trace: '/v1/jobs/{id}/trace' } as const;

export async function readJob(t: TenantAttacks, cmd: Extract<Command, { op: 'job-read' }>): Promise<void> {
  const { id, kind } = t.jobId(cmd.who, cmd.target);
  const query = cmd.route === 'results' && cmd.offset !== '' ? `?offset=${encodeURIComponent(cmd.offset)}` : '';
  const build = (jobId: string) => ({
    method: cmd.method,
    url: `${JOB_ROUTES[cmd.route].replace('{id}', inPath(jobId, cmd.target.pick))}${query}`,
  });
  const req = build(id);
  const res = await t.call(cmd, req, cmd.target.kind !== 'malformed');
  if (!t.judged(cmd) || res.status === 429) return;
  // Without the admin scope a trace is refused whatever the id (checked by TenantAttacks.call).
  if (cmd.route === 'trace' && cmd.who !== 'admin') return;
  if (kind === 'own' && (query === '' || /^\?offset=\d+$/.test(query))) {
    const status =
      cmd.method === 'GET' && cmd.route === 'status' && res.status === 200 ? (JSON.parse(res.body) as { job_id?: string }).job_id : id;
    t.expect(res.status === 200 && status === id, 'a tenant reads its own job', cmd, req, res);
  }
  if (kind === 'other') await t.sameAsMissing(cmd, req, res, id, build);
}

export async function cancelJob(t: TenantAttacks, cmd: Extract<Command, { op: 'job-cancel' }>): Promise<void> {
  // A tenant cancels only its jobs that are not held: the held ones show another tenant's cancel.
  const own =
    cmd.target.kind === 'own' && isTenant(cmd.who)
      ? pickOf(
          t.world.jobsOf(cmd.who, (j) => !j.held),
          cmd.target.pick,
        )
      : undefined;
  const { id, kind } = own
    ? { id: own.id, kind: 'own' as const }
    : t.jobId(cmd.who, { ...cmd.target, kind: cmd.target.kind === 'own' ? 'missing' : cmd.target.kind });
  const build = (jobId: string) => ({ method: 'DELETE' as const, url: `/v1/jobs/${inPath(jobId, cmd.target.pick)}` });
  const req = build(id);
  const res = await t.call(cmd, req, cmd.target.kind !== 'malformed');
  if (own && res.status === 200) own.cancelledByOwner = true;
  if (kind === 'own' && t.judged(cmd) && res.status !== 429) t.expect(res.status === 200, 'a tenant cancels its own job', cmd, req, res);
  if (kind !== 'other') return;
  if (t.judged(cmd)) await t.sameAsMissing(cmd, req, res, id, build);
  await t.ownerSeesJobUntouched(id);
}
