// The Redis Cluster of deploy/k8s/components/redis-cluster, run for real: seven redis-servers with
// the StatefulSet's own container command and args, and the init Job's own script pointed at six of
// them. It forms 3 masters with one replica each (replicas linked with masterauth), does nothing
// to the formed cluster when run again, refuses a mixed set (a seventh, empty node) without
// changing anything, and reconnects the nodes after all of them came back on new addresses. The
// fleet's own queue client, configured with the environment the manifests give a worker, works on it,
// and a master's preStop hands its slots to its replica without losing a key. Needs redis-server and redis-cli (CI installs them; REQUIRE_REDIS=1 makes a
// missing one fail).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@emo/config';
import { FleetClient } from '@emo/queue';
import { k8sDir } from './support/deploy-paths';
import { renderKustomization } from './support/kustomize-lite';
import { container, envOf, find, REAL_SECRETS, type Workload } from './support/manifest-query';
import {
  freeClusterPort,
  redisServerInstalled,
  runScript,
  startRedis,
  untilListening,
  type RedisProcess,
  type ScriptContainer,
} from './support/redis-processes';

type JobManifest = { spec: { template: { spec: { containers: (ScriptContainer & { env: { name: string; value?: string }[] })[] } } } };

type ScaledObject = { spec: { triggers: { type: string; metadata: Record<string, string> }[] } };

const PASSWORD = REAL_SECRETS['emo-redis-auth'].REDIS_PASSWORD;
const ms = renderKustomization(resolve(k8sDir, 'overlays', 'cpu-redis-cluster'));
const server = find<Workload>(ms, 'StatefulSet', 'redis-cluster').spec.template.spec.containers[0] as unknown as ScriptContainer;
const job = (find(ms, 'Job', 'redis-cluster-init') as unknown as JobManifest).spec.template.spec.containers[0];
const replicasPerMaster = job.env.find((e) => e.name === 'CLUSTER_REPLICAS')?.value ?? '';
const NODES = 6;
const redisCli = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' }).stdout.trim();

if (!redisServerInstalled) console.warn('redis-cluster-init.spec: redis-server is not installed here: skipped');

describe.runIf(redisServerInstalled || process.env.REQUIRE_REDIS === '1')('the Redis Cluster init Job (real redis-servers)', () => {
  const servers: RedisProcess[] = [];
  const clients: Redis[] = [];
  const client = (port: number) => {
    const c = new Redis({ port, host: '127.0.0.1', password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };
  const nodeList = (ports: readonly number[]) => ports.map((p) => `127.0.0.1:${p}`).join(',');
  const init = (ports: readonly number[]) =>
    runScript(job, { REDIS_CLUSTER_NODES: nodeList(ports), CLUSTER_REPLICAS: replicasPerMaster, REDISCLI_AUTH: PASSWORD });
  /** CLUSTER NODES as `id role master slots`, sorted: what forming changes and nothing else may. */
  const topology = async (port: number) =>
    String(await client(port).call('CLUSTER', 'NODES'))
      .trim()
      .split('\n')
      .map((line) => {
        const [id, , flags, master, , , , , ...slots] = line.split(' ');
        const role = flags.split(',').find((f) => f === 'master' || f === 'slave');
        return `${id} ${role} ${master} ${slots.join(' ')}`.trim();
      })
      .sort();
  const info = async (port: number, section: string) =>
    String(await client(port).call(section === 'cluster' ? 'CLUSTER' : 'INFO', section === 'cluster' ? 'INFO' : section));
  let ports: number[] = [];
  let spare = 0;

  beforeAll(async () => {
    for (let i = 0; i <= NODES; i++) {
      const port = await freeClusterPort();
      servers.push(startRedis(server, PASSWORD, port));
    }
    for (const s of servers) await untilListening(s.port, s.exited);
    ports = servers.slice(0, NODES).map((s) => s.port);
    spare = servers[NODES].port;
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('starts every node in cluster mode with requirepass: nothing without AUTH', async () => {
    const anonymous = new Redis({ port: ports[0], host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    anonymous.on('error', () => undefined);
    clients.push(anonymous);
    await anonymous.connect().catch(() => undefined);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    expect(await info(ports[0], 'cluster')).toMatch(/cluster_known_nodes:1\r?\n/);
    expect(await client(ports[0]).config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
  });

  it('forms 3 masters with one replica each from empty nodes, replicas linked to their masters (masterauth)', async () => {
    const run = await init(ports);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/forming the cluster of 6 nodes, 1 replica\(s\) per master/);
    const nodes = await topology(ports[0]);
    const masters = nodes.filter((n) => n.split(' ')[1] === 'master');
    const replicas = nodes.filter((n) => n.split(' ')[1] === 'slave');
    expect(masters).toHaveLength(3);
    expect(replicas.map((r) => r.split(' ')[2]).sort()).toEqual(masters.map((m) => m.split(' ')[0]).sort());
    for (const port of ports) expect(await info(port, 'cluster'), String(port)).toMatch(/cluster_state:ok\r?\n/);
    // The Job waits for cluster_state:ok; the replicas' first sync may still be running: wait for each link.
    for (const port of ports) {
      let replication = await info(port, 'replication');
      for (let i = 0; i < 300 && /role:slave/.test(replication) && !/master_link_status:up/.test(replication); i++) {
        await new Promise((r) => setTimeout(r, 100));
        replication = await info(port, 'replication');
      }
      if (/role:slave/.test(replication)) expect(replication, String(port)).toMatch(/master_link_status:up/);
    }
  }, 240_000);

  it('changes nothing when run again on the formed cluster', async () => {
    const before = await topology(ports[0]);
    const run = await init(ports);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/already formed; met 0 node\(s\) at an address the cluster did not know/);
    expect(run.output).not.toMatch(/forming/);
    expect(await topology(ports[0])).toEqual(before);
  }, 240_000);

  it("lets the fleet's queue client in with the manifests' worker environment (no one without the password); its interactive chunks wait where KEDA looks", async () => {
    // The worker's environment as the kubelet builds it (emo-config, Secret emo-redis-auth), the pods' names replaced by these nodes.
    const env: Record<string, string> = { ...envOf(ms, container(ms, 'emo-worker')), REDIS_CLUSTER_NODES: nodeList(ports) };
    const fleet = new FleetClient(loadConfig(env));
    const { REDIS_CLUSTER_PASSWORD: _password, ...withoutPassword } = env;
    const stranger = new FleetClient(loadConfig(withoutPassword));
    try {
      await fleet.ready();
      await fleet.ping();
      await fleet.probeWrite('deploy-checks');
      expect(fleet.keys.cluster).toBe(true);
      expect(await fleet.queues.allCounts()).toMatchObject({ interactive: { backlog: 0 }, bulk: { backlog: 0 } });
      await expect(stranger.ready(3000)).rejects.toThrow();
      // No worker runs: a submitted interactive chunk waits in the list KEDA's redis-cluster trigger reads, a bulk
      // chunk (fair share gives it a priority) in BullMQ's prioritized set, which a list scaler cannot count.
      const [trigger, laneTrigger] = (find(ms, 'ScaledObject', 'emo-worker') as unknown as ScaledObject).spec.triggers.filter(
        (t) => t.type === 'redis-cluster',
      );
      const listName = trigger?.metadata.listName ?? '';
      // REDIS_WAIT_REPLICAS from the manifests: each submit returns only once a replica acknowledged it.
      expect(fleet.config.fleet.redisWaitReplicas).toBe(1);
      for (const priority of ['interactive', 'bulk'] as const)
        await fleet.producer.submit({ tenant: 'deploy-checks', items: [{ text: `a ${priority} text` }], priority });
      expect(await fleet.redis.llen(listName)).toBe(1);
      expect(listName).toBe(`${fleet.keys.bullPrefix}:interactive:wait`);
      expect(await fleet.redis.llen(`${fleet.keys.bullPrefix}:bulk:wait`)).toBe(0);
      expect(await fleet.redis.zcard(`${fleet.keys.bullPrefix}:bulk:prioritized`)).toBe(1);
      expect(await fleet.queues.allCounts()).toMatchObject({ interactive: { backlog: 1 }, bulk: { backlog: 1 } });
      // A POST /v1/classify call (it waits on a push channel) waits in the interactive lane, the second list trigger's.
      await fleet.producer.submit({ tenant: 'deploy-checks', items: [{ text: 'a call' }], priority: 'interactive', pushChannel: 'inbox' });
      expect(laneTrigger?.metadata.listName).toBe(fleet.keys.laneWait);
      expect(await fleet.redis.llen(fleet.keys.laneWait)).toBe(1);
      expect(await fleet.queues.allCounts()).toMatchObject({ interactive: { backlog: 2 }, bulk: { backlog: 1 } });
    } finally {
      await Promise.all([fleet.close(), stranger.close()]);
    }
  }, 60_000);

  it('refuses, changing nothing, when some nodes are empty and others members', async () => {
    const before = await topology(ports[0]);
    const run = await init([...ports, spare]);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/1 of 7 nodes are empty and the others are cluster members: changing nothing/);
    expect(await info(spare, 'cluster')).toMatch(/cluster_known_nodes:1\r?\n/);
    expect(await topology(ports[0])).toEqual(before);
  }, 240_000);

  it("hands a stopping master's slots to its replica (preStop): roles swap, every key written before is still there", async () => {
    const preStop = (server as ScriptContainer & { lifecycle: { preStop: { exec: { command: string[] } } } }).lifecycle.preStop.exec;
    const lines = String(await client(ports[0]).call('CLUSTER', 'NODES'))
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const portOf = (addr: string) => Number(addr.slice(addr.lastIndexOf(':') + 1, addr.indexOf('@')));
    const master = lines.find((l) => /master/.test(l[2]) && l.length > 8) as string[];
    const replica = lines.find((l) => /slave/.test(l[2]) && l[3] === master[0]) as string[];
    const cluster = new Cluster([{ host: '127.0.0.1', port: ports[0] }], { redisOptions: { password: PASSWORD } });
    try {
      const keys = Array.from({ length: 300 }, (_, i) => `deploy-checks:${i}`);
      for (const k of keys) await cluster.set(k, k);
      // In the pod, redis-cli without -h/-p is this node: here a wrapper points it at the master.
      const bin = mkdtempSync(join(tmpdir(), 'prestop-'));
      writeFileSync(join(bin, 'redis-cli'), `#!/bin/sh\nexec ${redisCli} -p ${portOf(master[1])} "$@"\n`, { mode: 0o755 });
      const run = await runScript(preStop, { PATH: `${bin}:${process.env.PATH}`, REDISCLI_AUTH: PASSWORD });
      expect(run.code, run.output).toBe(0);
      expect(await info(portOf(master[1]), 'replication')).toMatch(/role:slave\r?\n/);
      expect(await info(portOf(replica[1]), 'replication')).toMatch(/role:master\r?\n/);
      expect(await Promise.all(keys.map((k) => cluster.get(k)))).toEqual(keys);
    } finally {
      cluster.disconnect();
    }
  }, 120_000);

  it('reconnects the same nodes after every one came back on a new address (a whole cluster restarted with new IPs)', async () => {
    const ids = (await topology(ports[0])).map((n) => n.split(' ')[0]).sort();
    const old = servers.splice(0, NODES);
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of old) await s.stop({ keepDir: true });
    // New ports, none a node's old one: no node can reach a peer at the address it remembers.
    const oldPorts = new Set(old.map((s) => s.port));
    for (const s of old) servers.push(startRedis(server, PASSWORD, await freeClusterPort(oldPorts), s.dir));
    const restarted = servers.slice(-NODES);
    for (const s of restarted) await untilListening(s.port, s.exited);
    ports = restarted.map((s) => s.port);
    // No node knows where its peers are now: each remembers their old addresses.
    const knows = async (port: number) => String(await client(port).call('CLUSTER', 'NODES'));
    for (const port of ports) {
      const seen = await knows(port);
      expect(
        ports.filter((p) => seen.includes(`:${p}@`)),
        String(port),
      ).toEqual([port]);
    }
    const run = await init(ports);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/already formed; met [1-9]\d* node\(s\) at an address the cluster did not know/);
    const nodes = await topology(ports[0]);
    expect(nodes.map((n) => n.split(' ')[0]).sort()).toEqual(ids);
    const masters = nodes.filter((n) => n.split(' ')[1] === 'master' && n.split(' ').length > 3);
    expect(masters).toHaveLength(3);
    for (const port of ports) {
      expect(await info(port, 'cluster'), String(port)).toMatch(/cluster_state:ok\r?\n/);
      const seen = await knows(port);
      expect(
        ports.filter((p) => seen.includes(`:${p}@`)),
        String(port),
      ).toEqual(ports);
    }
  }, 240_000);
});
