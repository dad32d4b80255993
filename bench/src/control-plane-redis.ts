// The Redis under `emo bench control-plane`: a private redis-server, or a private 3-master Redis
// Cluster, with what the suite reads from it summed over every master (INFO: commands processed,
// used_memory, CPU seconds) and the environment that points the fleet's processes at it (the L2
// cache follows the queue Redis, as deployed by default). It is ours alone, so FLUSHALL between
// configurations touches no one else's keys.
import { redisCommand } from './redis-command';
import { RedisCluster } from './redis-cluster';
import { RedisServer } from './redis-server';

export type ControlPlaneTarget = 'single' | 'cluster';

/** INFO figures summed over the masters at one moment. */
export interface RedisSample {
  readonly commands: number;
  readonly usedMemory: number;
  readonly cpuSeconds: number;
  /** INFO commandstats: calls by command name, summed over the masters. */
  readonly calls: Readonly<Record<string, number>>;
  /** Per master, in the same order every time: commands processed and CPU seconds (the busiest one bounds a cluster). */
  readonly perMaster: readonly { readonly commands: number; readonly cpuSeconds: number }[];
}

export class ControlPlaneRedis {
  /** Commands this helper sent, over all masters (INFO, SCAN, …: counted by `total_commands_processed` too). */
  private sent = 0;

  private constructor(
    readonly target: ControlPlaneTarget,
    private readonly servers: readonly RedisServer[],
    private readonly cluster: RedisCluster | undefined,
  ) {}

  static async start(target: ControlPlaneTarget): Promise<ControlPlaneRedis> {
    if (target === 'cluster') {
      const cluster = await RedisCluster.start({ masters: 3 });
      return new ControlPlaneRedis(target, cluster.servers, cluster);
    }
    return new ControlPlaneRedis(target, [await RedisServer.start()], undefined);
  }

  get masters(): number {
    return this.servers.length;
  }

  /** The queue Redis for `emo serve` (the cache follows it: no CACHE_* of the caller's environment leaks in). */
  get env(): Record<string, string> {
    const nodes = this.servers.map((s) => `${s.host}:${s.port}`);
    return this.target === 'cluster' ? { REDIS_CLUSTER_NODES: nodes.join(',') } : { REDIS_URL: this.servers[0]!.url };
  }

  /** Commands this helper sent so far, over all masters (subtracted from the fleet's count). */
  get ownCommands(): number {
    return this.sent;
  }

  async sample(): Promise<RedisSample> {
    this.sent += this.servers.length;
    const infos = await Promise.all(this.servers.map((s) => redisCommand(s.url, ['INFO', 'everything'], 5000).then(String)));
    const calls: Record<string, number> = {};
    let commands = 0;
    let usedMemory = 0;
    let cpuSeconds = 0;
    const perMaster: { commands: number; cpuSeconds: number }[] = [];
    for (const info of infos) {
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
      const master = { commands: field('total_commands_processed'), cpuSeconds: field('used_cpu_user') + field('used_cpu_sys') };
      perMaster.push(master);
      commands += master.commands;
      usedMemory += field('used_memory');
      cpuSeconds += master.cpuSeconds;
      for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1]!] = (calls[m[1]!] ?? 0) + Number(m[2]);
    }
    return { commands, usedMemory, cpuSeconds, calls, perMaster };
  }

  /**
   * Bytes at rest by kind of key, over every master: the L2 result cache (`<prefix>:cache:…`) and the
   * rest (job records, result lists, queue bookkeeping). MEMORY USAGE of up to `sample` keys of each
   * kind, scaled by how many there are: an estimate (a key's own overhead, not the allocator's).
   */
  async bytesByKind(sample = 300): Promise<{ cacheKeys: number; cacheBytes: number; otherKeys: number; otherBytes: number }> {
    const keys = { cache: [] as [string, string][], other: [] as [string, string][] };
    for (const s of this.servers) {
      let cursor = '0';
      do {
        this.sent++;
        const [next, batch] = (await redisCommand(s.url, ['SCAN', cursor, 'COUNT', '1000'], 10_000)) as [string, string[]];
        cursor = next;
        for (const key of batch) keys[key.includes(':cache:') ? 'cache' : 'other'].push([s.url, key]);
      } while (cursor !== '0');
    }
    const estimate = async (list: [string, string][]): Promise<number> => {
      const picked = list.filter((_, i) => i % Math.max(1, Math.ceil(list.length / sample)) === 0);
      let bytes = 0;
      for (const [url, key] of picked) {
        this.sent++;
        bytes += Number(await redisCommand(url, ['MEMORY', 'USAGE', key, 'SAMPLES', '0'], 5000));
      }
      return picked.length > 0 ? (bytes / picked.length) * list.length : 0;
    };
    return {
      cacheKeys: keys.cache.length,
      cacheBytes: await estimate(keys.cache),
      otherKeys: keys.other.length,
      otherBytes: await estimate(keys.other),
    };
  }

  /** Deletes every key on every master (our private servers only). */
  async flush(): Promise<void> {
    this.sent += this.servers.length;
    await Promise.all(this.servers.map((s) => redisCommand(s.url, ['FLUSHALL'], 10_000)));
  }

  async close(): Promise<void> {
    await (this.cluster ? this.cluster.close() : Promise.all(this.servers.map((s) => s.close())));
  }
}
