// Security fuzz of every route with two tenants (A, B), an admin tenant, no key and an unknown
// key, on the real API in-process (Nest + Fastify through app.inject) and the real Redis, with
// a fake worker so jobs and backfills complete. fast-check generates sequences of commands
// (tenant-commands.ts) aimed at the tenant's own ids, another tenant's, missing, guessed
// (support-2023) and malformed ones, with odd bodies, content types and keys in the query string;
// every answer is checked (tenant-invariants.ts) and so is what the model predicts
// (tenant-attacks.ts). A run collects every violation and fails listing them by invariant and
// route. The seed is fixed (1515) for reproducible CI runs; explore with SECURITY_FUZZ_SEED=<n>,
// SECURITY_FUZZ_RUNS=<n> (default 48 runs of 100 commands, ≥ 5,000 requests), and
// SECURITY_FUZZ_SHRINK=1 to let fast-check shrink a failing run (slow: it replays on the live fleet).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCommand } from './route-attacks';
import { command, type Command } from './tenant-commands';
import { HOLD_TOKEN, startTenantFleet, TENANTS, type TenantFleet } from './tenant-fleet';
import { TenantAttacks } from './tenant-attacks';
import { Verdicts } from './tenant-invariants';
import { TenantWorld } from './tenant-world';

const SEED = Number(process.env.SECURITY_FUZZ_SEED ?? 1515);
const RUNS = Number(process.env.SECURITY_FUZZ_RUNS ?? 48);
const COMMANDS_PER_RUN = 100;
const MIN_REQUESTS = 5000;

/** A run's commands; printed as their count (the violations say what broke, and where). */
const commands = fc
  .array(command, { minLength: COMMANDS_PER_RUN, maxLength: COMMANDS_PER_RUN })
  .map((list) => Object.assign(list, { [fc.toStringMethod]: () => `[${list.length} commands]` }));

/** Routes that name a job or backfill by id: each must have been probed with another tenant's id. */
const ID_ROUTES = [
  'GET /v1/jobs/{id}',
  'GET /v1/jobs/{id}/results',
  'DELETE /v1/jobs/{id}',
  'GET /v1/jobs/{id}/trace',
  'GET /v1/backfills/{id}',
  'GET /v1/backfills/{id}/results',
  'GET /v1/backfills/{id}/errors',
  'GET /v1/backfills/{id}/rollups',
  'GET /v1/backfills/{id}/events',
];

describe.skipIf(!inject('redisAvailable'))('tenant isolation fuzz', () => {
  let fleet: TenantFleet;
  let attacks: TenantAttacks;

  beforeAll(async () => {
    fleet = await startTenantFleet(inject('redisUrl'), 'fuzz');
    const world = new TenantWorld(
      randomUUID()
        .slice(0, 6)
        .replace(/[^0-9a-z]/g, 'x'),
    );
    attacks = new TenantAttacks(fleet, world);
    attacks.verdicts = new Verdicts();
    // What every tenant owns before the fuzz starts: a job that stays running (A and B), jobs under
    // idempotency keys, backfills, and A's backfill under the id anyone would guess.
    const base = { auth: 'header', queryParam: 'api_key' } as const;
    for (const who of TENANTS) {
      if (who !== 'admin') {
        const res = await fleet.send({
          method: 'POST',
          url: '/v1/jobs',
          headers: { ...fleet.auth(who), 'content-type': 'application/json' },
          payload: JSON.stringify({ items: [{ id: world.fresh(who, 'item'), text: `wait ${HOLD_TOKEN} ${world.fresh(who, 'text')}` }] }),
        });
        expect(res.status, res.body).toBe(202);
        world.addJob((JSON.parse(res.body) as { job_id: string }).job_id, who, true);
      }
      const seed: Command[] = [
        { ...base, who, op: 'submit', items: 2, withIds: true, odd: [], priority: 'bulk', key: 'fresh', inHeader: false, pick: 0 },
        { ...base, who, op: 'submit', items: 3, withIds: false, odd: [], priority: 'interactive', key: 'fresh', inHeader: true, pick: 0 },
        { ...base, who, op: 'upload', id: 'fresh', lines: 4, csv: false, badLine: true, pick: 0, raw: '' },
        ...(who === 'a'
          ? [{ ...base, who, op: 'upload', id: 'guess', lines: 3, csv: true, badLine: false, pick: 0, raw: '' } as const]
          : []),
      ];
      for (const c of seed) await runCommand(attacks, c);
    }
    expect(attacks.verdicts.summary()).toBe('');
    for (const who of ['a', 'b'] as const) {
      expect(world.jobsOf(who)).toHaveLength(3);
      expect(world.idempotencyKeysOf(who)).toHaveLength(2);
    }
    expect(world.backfill('a', 'support-2023')).toBeDefined();
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it(`answers ≥ ${MIN_REQUESTS} requests over every route with no 5xx, errors from the registry, and no tenant reading, cancelling or reusing another's things`, async () => {
    const started = performance.now();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(commands, async (list) => {
        run += 1;
        attacks.verdicts = new Verdicts();
        for (const c of list) await runCommand(attacks, c);
        if (attacks.verdicts.violations.length > 0)
          throw new Error(
            `run ${run} (seed ${SEED}; replay: SECURITY_FUZZ_SEED=${SEED} npx vitest run test/security/tenant-fuzz.int-spec.ts) broke:\n${attacks.verdicts.summary()}`,
          );
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: process.env.SECURITY_FUZZ_SHRINK !== '1' },
    );
    const count = (m: Map<string, number>) => [...m].map(([what, n]) => `${what} ${n}`).join(', ');
    console.log(
      `security fuzz: ${fleet.sent} requests in ${Math.round(performance.now() - started)} ms (seed ${SEED}, ${RUNS} runs); ` +
        `cross-tenant probes: ${count(attacks.coverage.crossTenant)}; findings tried: ${count(attacks.coverage.findings)}`,
    );
    expect(fleet.sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
  });

  it('has aimed another tenant’s ids at every route that takes one, and sent something to every route of the OpenAPI document', async () => {
    for (const route of ID_ROUTES) expect(attacks.coverage.crossTenant.get(route) ?? 0, route).toBeGreaterThan(0);
    expect([...attacks.coverage.findings.keys()].sort()).toEqual([
      '429 RATE_LIMITED (its headers checked)',
      "another tenant's idempotency key (other-count)",
      "another tenant's idempotency key (other-diff)",
      "another tenant's idempotency key (other-same)",
      "cancel of another tenant's running job",
      "read of another tenant's guessable backfill id",
      'upload under a guessable id another tenant uses',
    ]);
    const res = await fleet.send({ method: 'GET', url: '/docs/openapi.json', headers: fleet.auth('admin') });
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((route) => !attacks.coverage.requests.has(route))).toEqual([]);
    for (const route of ['GET /metrics', 'GET /docs']) expect(attacks.coverage.requests.get(route) ?? 0, route).toBeGreaterThan(0);
  });
});
