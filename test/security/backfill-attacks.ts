// The fuzz commands on /v1/backfills: uploads (NDJSON or CSV with passthrough fields that are the
// tenant's secrets: user e-mails, conversation ids) under a fresh id, the tenant's own id again
// (resume, or other content: 409), another tenant's id, a guessable one (support-2023), none or
// a malformed one; and reads of status, results, errors, roll-ups and progress events.
import type { Command } from './tenant-commands';
import type { TenantName } from './tenant-fleet';
import { errorCode } from './tenant-invariants';
import { inPath, isTenant, others, pickOf, type TenantAttacks } from './tenant-attacks';
import { GUESSABLE_BACKFILL_IDS } from './tenant-world';

type Upload = Extract<Command, { op: 'upload' }>;

/** An export of `lines` messages whose ids, users, conversations and texts are all `owner`'s secrets. */
export function chatExport(t: TenantAttacks, owner: TenantName, cmd: Pick<Upload, 'lines' | 'csv' | 'badLine'>): string {
  // Two messages per conversation, so a roll-up by conversation_id has rows of two.
  const conversations = Array.from({ length: Math.ceil(cmd.lines / 2) }, () => t.world.fresh(owner, 'conv'));
  const rows = Array.from({ length: cmd.lines }, (_, i) => ({
    id: t.world.fresh(owner, 'item'),
    user: `${t.world.fresh(owner, 'user')}@example.com`,
    conversation_id: conversations[i >> 1],
    text: `msg ${t.world.fresh(owner, 'text')}`,
  }));
  const lines = cmd.csv
    ? ['id,user,conversation_id,text', ...rows.map((r) => Object.values(r).join(','))]
    : rows.map((r) => JSON.stringify(r));
  if (cmd.badLine) lines.splice(Math.min(1, lines.length), 0, cmd.csv ? 'only,two' : '{not json');
  return `${lines.join('\n')}\n`;
}

export async function upload(t: TenantAttacks, cmd: Upload): Promise<void> {
  const owner = isTenant(cmd.who) ? cmd.who : 'a';
  let id: string | undefined;
  let content: { query: string; body: string } | undefined;
  if (cmd.id === 'own-same' || cmd.id === 'own-diff') {
    const mine = pickOf(t.world.backfillsOf(owner), cmd.pick);
    id = mine?.id;
    if (mine && cmd.id === 'own-same') content = { query: mine.query, body: mine.body };
  }
  if (cmd.id === 'other')
    id = pickOf(
      others(owner).flatMap((o) => t.world.backfillsOf(o)),
      cmd.pick,
    )?.id;
  if (cmd.id === 'guess') {
    id = pickOf(GUESSABLE_BACKFILL_IDS, cmd.pick);
    const mine = t.world.backfill(owner, id!);
    if (mine && cmd.pick % 2) content = { query: mine.query, body: mine.body };
  }
  if (cmd.id === 'malformed') id = cmd.raw;
  if (id === undefined && cmd.id !== 'none') id = t.world.fresh(owner, 'bf');
  content ??= {
    query: `${id === undefined ? '?' : `?id=${encodeURIComponent(id)}&`}id_field=id${cmd.csv ? '&format=csv' : ''}`,
    body: chatExport(t, owner, cmd),
  };
  const csv = content.query.includes('format=csv');
  const req = {
    method: 'POST' as const,
    url: `/v1/backfills${content.query}`,
    headers: { 'content-type': csv ? 'text/csv' : 'application/x-ndjson' },
    payload: content.body,
  };
  if (cmd.id === 'guess' && id !== undefined && !t.world.backfill(owner, id) && others(owner).some((o) => t.world.backfill(o, id!)))
    t.tried('upload under a guessable id another tenant uses');
  const res = await t.call(cmd, req, true);
  if (!isTenant(cmd.who) || res.status === 429) return;
  const mine = id === undefined ? undefined : t.world.backfill(owner, id);
  const same = mine?.query === content.query && mine?.body === content.body;
  const judged = t.judged(cmd) && cmd.id !== 'malformed';
  if (res.status === 202) {
    const created = JSON.parse(res.body) as { backfill_id: string; created: boolean };
    if (judged && mine)
      t.expect(same && !created.created, 'the same upload under an own id resumes it (202, created false)', cmd, req, res);
    if (judged && !mine)
      t.expect(
        created.created === true,
        "backfill ids are per tenant: an id new to the tenant makes a new backfill (another's is not resumed)",
        cmd,
        req,
        res,
      );
    // An upload without an id is resumed by sending it again under the id it was given.
    const query = id === undefined ? `?id=${created.backfill_id}&${content.query.slice(1)}` : content.query;
    if (!mine) t.world.addBackfill({ id: created.backfill_id, owner, query, body: content.body, completed: false });
    for (const s of content.body.match(new RegExp(`[a-z]+-[a-z]+-${t.world.salt}-[0-9a-z]{5}`, 'g')) ?? []) t.world.name(owner, s);
    return;
  }
  if (!judged) return;
  if (mine && !same)
    t.expect(
      res.status === 409 && errorCode(res) === 'BACKFILL_CONFLICT',
      'other content under an own backfill id is 409 BACKFILL_CONFLICT',
      cmd,
      req,
      res,
    );
  else t.expect(false, "a valid upload is accepted (202; another tenant's backfill under that id does not conflict)", cmd, req, res);
}

const BACKFILL_ROUTES = {
  status: '/v1/backfills/{id}',
  results: '/v1/backfills/{id}/results',
  errors: '/v1/backfills/{id}/errors',
  rollups: '/v1/backfills/{id}/rollups',
  events: '/v1/backfills/{id}/events',
} as const;

export async function readBackfill(t: TenantAttacks, cmd: Extract<Command, { op: 'backfill-read' }>): Promise<void> {
  const { id, kind } = t.backfillId(cmd.who, cmd.target);
  const entry = kind === 'own' && isTenant(cmd.who) ? t.world.backfill(cmd.who, id) : undefined;
  // Progress events of a running backfill last until it finishes: read the status until it has.
  const route = cmd.route === 'events' && entry && !entry.completed ? 'status' : cmd.route;
  const query = route === 'rollups' ? `?by=${encodeURIComponent(cmd.by)}` : '';
  const build = (backfillId: string) => ({
    method: cmd.method,
    url: `${BACKFILL_ROUTES[route].replace('{id}', inPath(backfillId, cmd.target.pick))}${query}`,
  });
  const req = build(id);
  if (cmd.target.kind === 'guess' && kind === 'other' && others(cmd.who).some((o) => t.world.backfill(o, id)))
    t.tried("read of another tenant's guessable backfill id");
  const res = await t.call(cmd, req, cmd.target.kind !== 'malformed');
  if (entry && route === 'status' && cmd.method === 'GET' && res.status === 200)
    entry.completed = (JSON.parse(res.body) as { state?: string }).state === 'completed';
  if (!t.judged(cmd) || res.status === 429) return;
  // A roll-up is expected only by a passthrough field (an odd `by` may be refused: 422).
  if (entry && (route !== 'rollups' || cmd.by === 'user' || cmd.by === 'conversation_id')) {
    const answered =
      route === 'status' && cmd.method === 'GET' && res.status === 200
        ? (JSON.parse(res.body) as { backfill_id?: string }).backfill_id
        : id;
    t.expect(res.status === 200 && answered === id, 'a tenant reads its own backfill', cmd, req, res);
  }
  if (kind === 'other') await t.sameAsMissing(cmd, req, res, id, build);
}
