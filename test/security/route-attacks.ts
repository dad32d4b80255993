// The fuzz commands on the fleet-wide routes (profile, cache stats, health, metrics, docs) and the
// garbage ones (any method on any route or an unknown one, wrong content types, bodies that are
// not JSON, too large, or JSON of the wrong shape), and the one entry that runs any command.
import { readBackfill, upload } from './backfill-attacks';
import { cancelJob, classify, readJob, submit } from './job-attacks';
import type { Command } from './tenant-commands';
import type { SecRequest } from './tenant-fleet';
import { inPath, isTenant, withId, type TenantAttacks } from './tenant-attacks';

const FLEET_ROUTES = {
  profile: '/v1/profile',
  'cache-stats': '/v1/cache/stats',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  docs: '/docs',
  openapi: '/docs/openapi.json',
  'openapi-yaml': '/docs/openapi.yaml',
} as const;

async function fleetRoute(t: TenantAttacks, cmd: Extract<Command, { op: 'fleet' }>): Promise<void> {
  const req = { method: 'GET' as const, url: FLEET_ROUTES[cmd.route] };
  const res = await t.call(cmd, req, true);
  if (cmd.who === 'admin' && cmd.auth === 'header' && res.status !== 429 && (cmd.route === 'profile' || cmd.route === 'cache-stats'))
    t.expect(res.status === 200, 'the admin reads the fleet-wide views', cmd, req, res);
}

async function garbage(t: TenantAttacks, cmd: Extract<Command, { op: 'garbage' }>): Promise<void> {
  const { id, kind } = t.jobId(cmd.who, cmd.target);
  const req: SecRequest = {
    method: cmd.method as SecRequest['method'],
    url: withId(cmd.path, inPath(id, cmd.target.pick)),
    headers: cmd.contentType ? { 'content-type': cmd.contentType } : {},
    ...(cmd.method === 'GET' || cmd.method === 'HEAD' ? {} : { payload: cmd.body }),
  };
  const res = await t.call(cmd, req);
  // Whatever got through is recorded, so later answers are checked against it too.
  if (isTenant(cmd.who) && res.status < 300 && cmd.method === 'POST') {
    const made = JSON.parse(res.body) as { job_id?: string; backfill_id?: string };
    if (cmd.path === '/v1/jobs' && made.job_id) t.world.addJob(made.job_id, cmd.who);
    if (cmd.path === '/v1/backfills' && made.backfill_id && !t.world.backfill(cmd.who, made.backfill_id))
      t.world.addBackfill({
        id: made.backfill_id,
        owner: cmd.who,
        query: `?id=${made.backfill_id}${cmd.contentType === 'text/csv' ? '&format=csv' : ''}`,
        body: cmd.body,
        completed: false,
      });
  }
  if (kind === 'other' && cmd.method === 'DELETE' && cmd.path === '/v1/jobs/{id}') await t.ownerSeesJobUntouched(id);
}

export function runCommand(t: TenantAttacks, cmd: Command): Promise<void> {
  switch (cmd.op) {
    case 'submit':
      return submit(t, cmd);
    case 'classify':
      return classify(t, cmd);
    case 'job-read':
      return readJob(t, cmd);
    case 'job-cancel':
      return cancelJob(t, cmd);
    case 'upload':
      return upload(t, cmd);
    case 'backfill-read':
      return readBackfill(t, cmd);
    case 'fleet':
      return fleetRoute(t, cmd);
    case 'garbage':
      return garbage(t, cmd);
  }
}
