// Redis Cluster failover under load (issue 18): one API and two worker processes (tiny model) on a
// Redis Cluster of their own, 3 masters and 3 replicas (bench/src/redis-cluster.ts,
// cluster-node-timeout 2000 ms), queue and cache both on it (REDIS_CLUSTER_NODES), under the chaos
// suite's seeded load (jobs with idempotency keys, /v1/classify calls, NDJSON backfills). Four faults,
// each landing on the master of work in flight, each waiting for the fleet to make progress before
// and after (conditions, never clocks):
//   1. `CLUSTER FAILOVER` on a replica of the master holding the running backfill's record;
//   2. `CLUSTER FAILOVER` on a replica of the master holding the BullMQ queues (`{prefix}`);
//   3. SIGKILL of the master holding the running backfill's record, after its replica was cut off
//      while the fleet wrote there (detachReplicas: those writes exist on the master alone, so the
//      crash really loses acknowledged-by-the-master writes); the replica takes over, the killed
//      node restarts and rejoins as a replica;
//   4. the same on the master holding the queues.
// The fleet runs with REDIS_WAIT_REPLICAS=1 (FAILOVER_WAIT_REPLICAS=0 shows what is lost without).
// It must reconnect by itself (no process restarted, none exits), and the chaos suite's history
// checker (chaos-check.ts) must hold: every accepted item ends with exactly one result or one error
// line, status done = total, everything terminal within TERMINAL_BOUND_MS of the load's end.
// Runs where the global setup started the cluster test Redis (REQUIRE_REDIS_CLUSTER=1, set by
// .ci/run: redis-server and redis-cli are there, and a missing one fails the run). FAILOVER_SEED
// picks another seed (default 18). About 25–40 s of faults, 1–3 min in all on the shared 2-core VM.
// What is and is not guaranteed: docs/reliability.md, "Redis Cluster failover"; ADR 017.
import { randomUUID } from 'node:crypto';
import { RedisCluster } from '@emo/bench';
import { DEFAULT_TENANT_ID } from '@emo/contracts';
import { backfillJobId, FleetKeys } from '@emo/queue';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { freePort, TINY_MODEL } from '../fleet/fleet-processes';
import { checkHistory, historySummary } from './chaos-check';
import { Client } from './chaos-client';
import { History } from './chaos-history';
import { Load } from './chaos-load';
import { waitFor } from './chaos-timing';
import { faultSuiteEnv, FleetProc } from './fleet-process';

const SEED = Number(process.env.FAILOVER_SEED ?? 18);
const KEY = 'failover-key-0123456789';
const LOCK_MS = 2000;
const TERMINAL_BOUND_MS = 90_000;

describe.skipIf(!inject('redisClusterNodes'))('Redis Cluster failover under load', () => {
  const prefix = `fo-${randomUUID().slice(0, 4)}`;
  const keys = new FleetKeys(prefix, { cluster: true });
  const history = new History();
  const unexpectedExits: string[] = [];
  const procs: FleetProc[] = [];
  const phases: string[] = [];
  let cluster: RedisCluster;
  let client: Client;
  let load: Load;

  beforeAll(async () => {
    // Validity factor 0: a replica takes over however long it lagged (the test makes it lag).
    cluster = await RedisCluster.start({
      replicas: 1,
      nodeTimeoutMs: 2000,
      extraArgs: ['--maxmemory-policy', 'noeviction', '--cluster-replica-validity-factor', '0'],
    });
    const port = await freePort();
    const env = {
      ...faultSuiteEnv({ prefix, port, lockMs: LOCK_MS, apiKey: KEY, model: TINY_MODEL }),
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      // Acknowledged only once on a replica (docs/reliability.md, Redis Cluster failover).
      REDIS_WAIT_REPLICAS: process.env.FAILOVER_WAIT_REPLICAS ?? '1',
      REDIS_WAIT_TIMEOUT_MS: '1000',
    };
    client = new Client(`http://127.0.0.1:${port}`, KEY, history);
    load = new Load(client, history, { seed: SEED, jobItems: [20, 80], backfillLines: 1000 });
    const start = (name: string, role: 'api' | 'worker') => {
      const p = new FleetProc(name, role, env, unexpectedExits);
      procs.push(p);
      return p.ready(role === 'api' ? 'api listening' : 'worker ready');
    };
    await Promise.all([start('api', 'api'), start('w1', 'worker'), start('w2', 'worker')]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await cluster?.close();
  }, 60_000);

  /** Resolves once the fleet finished more work: the running backfill moved on, or a new one started. */
  const moved = async (what: string) => {
    const started = Date.now();
    const before = { id: load.current, done: await load.backfillDone().catch(() => undefined) };
    await waitFor(
      `the fleet to make progress (${what})`,
      async () => {
        if (load.current !== before.id && load.current !== undefined) return true;
        const done = await load.backfillDone();
        return done !== undefined && (before.done === undefined || done > before.done) ? true : undefined;
      },
      90_000,
      100,
    );
    phases.push(`  progress (${what}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };

  /**
   * Resolves once `master` took writes its cut-off replicas do not have: its replication offset
   * moved on by `bytes` since the cut (`master_repl_offset` grows with every write, replicas or
   * not). Not backfill progress: with REDIS_WAIT_REPLICAS=1 a master whose replica is cut off
   * acknowledges nothing (503, chunks retried), so the fleet may rightly stand still; its writes
   * (BullMQ adds and moves, records) still reach the master alone, and the crash then loses them.
   */
  const wroteAlone = async (master: Awaited<ReturnType<typeof queueMaster>>, what: string, bytes = 4096) => {
    const started = Date.now();
    const from = await master.info('master_repl_offset');
    await waitFor(
      `writes on the master alone (${what})`,
      async () => ((await master.info('master_repl_offset')) - from >= bytes ? true : undefined),
      90_000,
      100,
    );
    phases.push(`  writes on the master alone (${what}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };

  const phase = async (name: string, run: () => Promise<void>) => {
    const started = Date.now();
    await run();
    phases.push(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };

  /** The master of the running backfill's record (results and inputs share its slot). */
  const backfillMaster = async () => {
    const id = await waitFor('a backfill in flight', () => load.current);
    return cluster.masterOf(keys.meta(backfillJobId(DEFAULT_TENANT_ID, id)));
  };
  const queueMaster = () => cluster.masterOf(`${keys.bullPrefix}:bulk:wait`);

  it('loses and duplicates no accepted item across manual failovers and master crashes, with no process restarted', async () => {
    const suiteStarted = Date.now();
    onTestFailed(async () => {
      const status = load.current ? await client.call('GET', `/v1/backfills/${load.current}`) : undefined;
      process.stderr.write(`failover phases: ${JSON.stringify(phases)}\nrunning backfill: ${JSON.stringify(status?.body)}\n`);
      for (const p of procs)
        process.stderr.write(
          `${p.name} warnings and errors:\n${p.logs
            .filter((l) => /"level":50/.test(l))
            .slice(-25)
            .join('\n')}\n`,
        );
    });
    load.start();
    await moved('load started');

    for (const [name, master] of [
      ['backfill record', backfillMaster],
      ['queues', queueMaster],
    ] as const) {
      await phase(`CLUSTER FAILOVER (${name})`, async () => {
        await moved(`before the failover of the ${name}' master`);
        const [replica] = await cluster.replicasOf(await master());
        await cluster.failover(replica);
        await moved(`after the failover of the ${name}' master`);
      });
    }
    for (const [name, master] of [
      ['backfill record', backfillMaster],
      ['queues', queueMaster],
    ] as const) {
      await phase(`master SIGKILL (${name}), rejoin as a replica`, async () => {
        await moved(`before the crash of the ${name}' master`);
        const killed = await master();
        // Replication is asynchronous: its replica is cut off while the fleet writes there, so the
        // crash loses acknowledged writes for sure (on loopback the lag is otherwise microseconds).
        const lagging = await cluster.detachReplicas(killed);
        await wroteAlone(killed, `while the ${name}' replica lags`);
        await cluster.killMaster(killed, { thaw: lagging });
        // Back as a replica of the new master first: with REDIS_WAIT_REPLICAS=1 a master without a
        // replica refuses to acknowledge (503, chunks retried) until it has one again.
        await cluster.rejoin(killed);
        await moved(`after the crash of the ${name}' master`);
      });
    }

    await load.stop();
    const loadEnded = Date.now();
    const verdict = await checkHistory(client, history, loadEnded + TERMINAL_BOUND_MS);
    const { problems } = verdict;
    problems.push(...unexpectedExits);
    for (const p of procs) if (!p.alive) problems.push(`${p.name} is not running at the end`);
    const jobs = [...history.jobs.values()];
    const summary = historySummary(history, { seed: SEED, suiteStarted, loadEnded, phases, verdict });
    process.stderr.write(`failover summary: ${JSON.stringify(summary)}\n`);
    expect(problems.slice(0, 40), JSON.stringify(summary)).toEqual([]);
    expect(history.backfills.size, 'backfills accepted').toBeGreaterThanOrEqual(2);
    expect(jobs.length, 'jobs accepted').toBeGreaterThan(0);
  }, 240_000);
});
