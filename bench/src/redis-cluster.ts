// A Redis Cluster of our own on free loopback ports: `masters` redis-server children (redis-server.ts,
// `--cluster-enabled yes`, each with its nodes.conf in its own dir), `replicas` replicas per master
// (default 0), joined by `redis-cli --cluster create … --cluster-replicas <replicas> --cluster-yes`,
// ready once every node reports `cluster_state:ok`. Without replicas: the cluster test Redis of the
// vitest global setup (REQUIRE_REDIS_CLUSTER=1, tools/testing). With replicas: the failover suite
// (test/chaos/cluster-failover.e2e-spec.ts), which finds the master of a key, SIGKILLs it or runs
// `CLUSTER FAILOVER` on its replica, waits for the new master and restarts the killed node (it
// rejoins as a replica). Needs redis-server and redis-cli on PATH; loads nothing but node builtins,
// @emo/contracts and the RESP helper (the global setup imports it).
import { spawnSync } from 'node:child_process';
import { AppError } from '@emo/contracts';
import { redisCommand } from './redis-command';
import { RedisServer } from './redis-server';

export interface RedisClusterOptions {
  /** Masters (default 3, the fewest `redis-cli --cluster create` accepts). */
  readonly masters?: number;
  /** Replicas per master (default 0): with 1, six nodes for three masters, and a master can fail over. */
  readonly replicas?: number;
  /** `cluster-node-timeout` (default 5000 ms): how long a master is unreachable before its replica takes over. */
  readonly nodeTimeoutMs?: number;
  /** More redis-server arguments for every node (e.g. `--maxmemory-policy noeviction`). */
  readonly extraArgs?: readonly string[];
  /** How long the cluster may take to report `cluster_state:ok` (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** `--requirepass` and `--masterauth` on every node (what the k8s component runs); clients need REDIS_CLUSTER_PASSWORD. */
  readonly password?: string;
}

/** One line of `CLUSTER NODES`. */
export interface ClusterNodeView {
  readonly id: string;
  readonly port: number;
  readonly flags: readonly string[];
  /** The master's id, for a replica. */
  readonly masterId?: string;
  /** Slot ranges served (masters), inclusive. */
  readonly slots: readonly (readonly [number, number])[];
}

/** Parses `CLUSTER NODES` (`<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>…`). */
export function parseClusterNodes(text: string): ClusterNodeView[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [id, addr, flags, master, , , , , ...slots] = line.trim().split(' ');
      return {
        id,
        port: Number(/:(\d+)@/.exec(addr)?.[1] ?? /:(\d+)$/.exec(addr)?.[1]),
        flags: flags.split(','),
        masterId: master === '-' ? undefined : master,
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [from, to] = s.split('-').map(Number);
            return [from, to ?? from] as const;
          }),
      };
    });
}

export class RedisCluster {
  private constructor(
    readonly servers: readonly RedisServer[],
    private readonly password?: string,
  ) {}

  /** A node's URL for our own commands, with the cluster's password when it has one. */
  private urlOf(s: RedisServer): string {
    return this.password ? s.url.replace('redis://', `redis://:${encodeURIComponent(this.password)}@`) : s.url;
  }

  /** Starts the nodes, creates the cluster and waits until every node says it is ok. */
  static async start(opts: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masters = opts.masters ?? 3;
    const replicas = opts.replicas ?? 0;
    if (masters < 3) throw new AppError('INTERNAL', 'a Redis Cluster needs at least 3 masters');
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(opts.nodeTimeoutMs ?? 5000),
      // A replica's full sync starts at once, not after the default 5 s wait for more replicas.
      '--repl-diskless-sync-delay',
      '0',
      ...(opts.password ? ['--requirepass', opts.password, '--masterauth', opts.password] : []),
      ...(opts.extraArgs ?? []),
    ];
    const servers: RedisServer[] = [];
    try {
      for (let i = 0; i < masters * (1 + replicas); i++) servers.push(await RedisServer.start({ extraArgs: args }));
      const cluster = new RedisCluster(servers, opts.password);
      const auth = opts.password ? ['-a', opts.password, '--no-auth-warning'] : [];
      const create = spawnSync(
        'redis-cli',
        [...auth, '--cluster', 'create', ...cluster.nodes, '--cluster-replicas', String(replicas), '--cluster-yes'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      if (create.status !== 0)
        throw new AppError(
          'INTERNAL',
          `redis-cli --cluster create failed (${create.status}): ${(create.stderr || create.stdout || String(create.error)).slice(-2000)}`,
        );
      // Every node must also see the replicas as replicas (create assigns them by gossip, after ok).
      const shape = (v: ClusterNodeView[]) =>
        v.filter((n) => n.flags.includes('master') && n.slots.length > 0).length === masters &&
        v.filter((n) => n.flags.includes('slave')).length === masters * replicas;
      await cluster.waitUntilOk(opts.readyTimeoutMs ?? 30_000, (views) => views.every(shape));
      await cluster.waitForReplication(opts.readyTimeoutMs ?? 30_000);
      return cluster;
    } catch (e) {
      await Promise.all(servers.map((s) => s.close()));
      throw e;
    }
  }

  /** `127.0.0.1:port` of every node (REDIS_CLUSTER_NODES takes them comma-separated). */
  get nodes(): string[] {
    return this.servers.map((s) => `${s.host}:${s.port}`);
  }

  /**
   * Resolves once every running node reports `cluster_state:ok` and knows every node (a killed one
   * stays known), and, with `check`, once `check` holds for the running nodes' `CLUSTER NODES` views.
   */
  async waitUntilOk(timeoutMs: number, check?: (views: ClusterNodeView[][]) => boolean, what = 'ok'): Promise<void> {
    const end = Date.now() + timeoutMs;
    const running = () => this.servers.filter((s) => s.running);
    for (;;) {
      const live = running();
      const states = await Promise.all(
        live.map((s) => redisCommand(this.urlOf(s), ['CLUSTER', 'INFO'], 2000).then(String, (e: Error) => e.message)),
      );
      let ok = states.every(
        (info) => /^cluster_state:ok/m.test(info) && Number(/^cluster_known_nodes:(\d+)/m.exec(info)?.[1]) === this.servers.length,
      );
      if (ok && check) ok = await this.views(live).then(check, () => false);
      if (ok) return;
      if (Date.now() > end)
        throw new AppError('INTERNAL', `the Redis Cluster was not ${what} within ${timeoutMs} ms: ${states.join(' | ').slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private views(servers: readonly RedisServer[]): Promise<ClusterNodeView[][]> {
    return Promise.all(servers.map(async (s) => parseClusterNodes(String(await redisCommand(this.urlOf(s), ['CLUSTER', 'NODES'], 2000)))));
  }

  /**
   * Resolves once every running replica has its link to its master up and no sync in progress (a
   * replica that is still syncing acknowledges nothing: `WAIT` would time out).
   */
  async waitForReplication(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const infos = await Promise.all(
        this.servers
          .filter((s) => s.running)
          .map((s) => redisCommand(this.urlOf(s), ['INFO', 'replication'], 2000).then(String, (e: Error) => e.message)),
      );
      const synced = (info: string) =>
        /^role:master/m.test(info) || (/^master_link_status:up/m.test(info) && /^master_sync_in_progress:0/m.test(info));
      if (infos.every(synced)) return;
      if (Date.now() > end)
        throw new AppError(
          'INTERNAL',
          `the Redis Cluster's replicas were not in sync within ${timeoutMs} ms: ${infos.join(' | ').slice(0, 2000)}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** `CLUSTER NODES` as the first running node that answers sees it (a frozen one does not). */
  async view(): Promise<ClusterNodeView[]> {
    let last: unknown;
    for (const s of this.servers.filter((n) => n.running)) {
      try {
        return parseClusterNodes(String(await redisCommand(this.urlOf(s), ['CLUSTER', 'NODES'], 1000)));
      } catch (e) {
        last = e;
      }
    }
    throw new AppError('INTERNAL', `no node of the Redis Cluster answers CLUSTER NODES: ${String(last)}`);
  }

  /** The hash slot of a key (`CLUSTER KEYSLOT`: hash tags count). */
  async slotOf(key: string): Promise<number> {
    const live = this.servers.find((s) => s.running);
    if (!live) throw new AppError('INTERNAL', 'no node of the Redis Cluster is running');
    return Number(await redisCommand(this.urlOf(live), ['CLUSTER', 'KEYSLOT', key], 2000));
  }

  /** The node serving `key`'s slot now (a master not marked failed). */
  async masterOf(key: string): Promise<RedisServer> {
    const slot = await this.slotOf(key);
    const master = (await this.view()).find(
      (n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    const server = this.servers.find((s) => s.port === master?.port);
    if (!server) throw new AppError('INTERNAL', `no master serves slot ${slot}`);
    return server;
  }

  /** The replicas of `master` (running or not). */
  async replicasOf(master: RedisServer): Promise<RedisServer[]> {
    const nodes = await this.view();
    const id = nodes.find((n) => n.port === master.port)?.id;
    const ports = new Set(nodes.filter((n) => n.masterId === id && n.flags.includes('slave')).map((n) => n.port));
    return this.servers.filter((s) => ports.has(s.port));
  }

  /**
   * `CLUSTER FAILOVER` on a replica (a manual failover: its master stops taking writes until the
   * replica has caught up, so nothing acknowledged is lost); resolves once it is a master and the
   * cluster is ok.
   */
  async failover(replica: RedisServer, timeoutMs = 30_000): Promise<void> {
    const before = await this.view();
    const replicaId = before.find((n) => n.port === replica.port)?.id;
    const oldMaster = before.find((n) => n.id === before.find((r) => r.port === replica.port)?.masterId);
    if (!replicaId || !oldMaster) throw new AppError('INTERNAL', `${replica.port} is not a replica`);
    await redisCommand(this.urlOf(replica), ['CLUSTER', 'FAILOVER'], 5000);
    // Done when every node sees the replica as the master and the old master as its replica.
    await this.waitUntilOk(
      timeoutMs,
      (views) => views.every((v) => isMaster(v, replica.port) && v.some((n) => n.id === oldMaster.id && n.masterId === replicaId)),
      `ok with ${replica.port} as a master`,
    );
    await this.waitForReplication(timeoutMs);
  }

  /**
   * SIGKILLs a master (a crash: writes its replica had not received are gone); resolves once one of
   * its replicas took over its slots and every running node says the cluster is ok. `thaw`: the
   * replicas detachReplicas froze, resumed right after the kill.
   */
  async killMaster(master: RedisServer, opts: { timeoutMs?: number; thaw?: readonly RedisServer[] } = {}): Promise<RedisServer> {
    const { timeoutMs = 60_000 } = opts;
    const replicas = await this.replicasOf(master);
    if (replicas.length === 0) throw new AppError('INTERNAL', `${master.port} has no replica to take over`);
    await master.stop('SIGKILL');
    // Replicas detached to lag (detachReplicas): resumed after the kill, they never get what they missed.
    for (const r of opts.thaw ?? []) r.freeze(false);
    const ports = new Set(replicas.map((r) => r.port));
    await this.waitUntilOk(
      timeoutMs,
      (views) => views.every((v) => v.some((n) => ports.has(n.port) && isMaster(v, n.port))),
      `ok with a replica of ${master.port} as the new master`,
    );
    const views = await this.view();
    return replicas.find((r) => isMaster(views, r.port))!;
  }

  /**
   * Makes `master`'s replicas fall behind, as asynchronous replication can: each is frozen (SIGSTOP)
   * and the master drops their replication links, so whatever it is written from now on exists on the
   * master alone until killMaster(master, { thaw }) crashes it and resumes them. (Freezing alone is
   * not enough on loopback: what the master sent waits in the socket and is read after the thaw.)
   */
  async detachReplicas(master: RedisServer): Promise<RedisServer[]> {
    const replicas = await this.replicasOf(master);
    for (const r of replicas) r.freeze(true);
    await redisCommand(this.urlOf(master), ['CLIENT', 'KILL', 'TYPE', 'replica'], 2000);
    return replicas;
  }

  /** Restarts a killed node (same dir: its nodes.conf); it learns it lost its slots and rejoins as a replica. */
  async rejoin(node: RedisServer, timeoutMs = 60_000): Promise<void> {
    await node.restart();
    await this.waitUntilOk(
      timeoutMs,
      (views) => views.every((v) => v.some((n) => n.port === node.port && n.flags.includes('slave') && !n.flags.includes('fail'))),
      `ok with ${node.port} back as a replica`,
    );
    await this.waitForReplication(timeoutMs);
  }

  /** Stops every node and deletes their dirs. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
  }
}

/** `port` is a master that serves slots and is not marked failed, in one node's view. */
function isMaster(view: readonly ClusterNodeView[], port: number): boolean {
  return view.some((n) => n.port === port && n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0);
}
