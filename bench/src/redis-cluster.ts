// A Redis Cluster of our own on free loopback ports: `masters` redis-server children (redis-server.ts,
// `--cluster-enabled yes`, each with its nodes.conf in its own dir), joined by `redis-cli --cluster
// create … --cluster-replicas 0 --cluster-yes`, ready once every node reports `cluster_state:ok`.
// The cluster test Redis of the vitest global setup (REQUIRE_REDIS_CLUSTER=1, tools/testing). No
// replicas: failover is not what it is for. Needs redis-server and redis-cli on PATH.
import { spawnSync } from 'node:child_process';
import { AppError } from '@emo/contracts';
import { redisCommand } from './redis-command';
import { RedisServer } from './redis-server';

export interface RedisClusterOptions {
  /** Masters (default 3, the fewest `redis-cli --cluster create` accepts). */
  readonly masters?: number;
  /** More redis-server arguments for every node (e.g. `--maxmemory-policy noeviction`). */
  readonly extraArgs?: readonly string[];
  /** How long the cluster may take to report `cluster_state:ok` (default 30 s). */
  readonly readyTimeoutMs?: number;
}

export class RedisCluster {
  private constructor(readonly servers: readonly RedisServer[]) {}

  /** Starts the nodes, creates the cluster and waits until every node says it is ok. */
  static async start(opts: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masters = opts.masters ?? 3;
    if (masters < 3) throw new AppError('INTERNAL', 'a Redis Cluster needs at least 3 masters');
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      '5000',
      ...(opts.extraArgs ?? []),
    ];
    const servers: RedisServer[] = [];
    try {
      for (let i = 0; i < masters; i++) servers.push(await RedisServer.start({ extraArgs: args }));
      const cluster = new RedisCluster(servers);
      const create = spawnSync('redis-cli', ['--cluster', 'create', ...cluster.nodes, '--cluster-replicas', '0', '--cluster-yes'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (create.status !== 0)
        throw new AppError(
          'INTERNAL',
          `redis-cli --cluster create failed (${create.status}): ${(create.stderr || create.stdout || String(create.error)).slice(-2000)}`,
        );
      await cluster.waitUntilOk(opts.readyTimeoutMs ?? 30_000);
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

  /** Resolves once every node reports `cluster_state:ok` and knows every other node. */
  async waitUntilOk(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(
        this.servers.map((s) => redisCommand(s.url, ['CLUSTER', 'INFO'], 2000).then(String, (e: Error) => e.message)),
      );
      const ok = states.every(
        (info) => /^cluster_state:ok/m.test(info) && Number(/^cluster_known_nodes:(\d+)/m.exec(info)?.[1]) === this.servers.length,
      );
      if (ok) return;
      if (Date.now() > end)
        throw new AppError('INTERNAL', `the Redis Cluster was not ok within ${timeoutMs} ms: ${states.join(' | ').slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops every node and deletes their dirs. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
  }
}
