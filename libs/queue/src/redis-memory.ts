// used_memory and maxmemory of the queue Redis (INFO memory). On a Redis Cluster each master holds
// its own slots and runs out of memory on its own, so every master is read and the fullest one is
// the reading: the highest used/maxmemory among masters with a limit, else (none has one) the most
// used memory. INFO on the cluster client would ask one node, whichever ioredis picks.
import { scanTargets, type RedisClient } from './redis-connection';

export interface RedisMemory {
  readonly usedBytes: number;
  /** 0: no limit. */
  readonly maxBytes: number;
}

/** The two fields of an INFO memory reply (NaN when absent). */
export function parseMemoryInfo(info: string): RedisMemory {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  return { usedBytes: field('used_memory'), maxBytes: field('maxmemory') };
}

const fill = (m: RedisMemory) => (m.maxBytes > 0 ? m.usedBytes / m.maxBytes : 0);

/** The fullest of the readings (see the header). */
export function fullestMemory(readings: readonly RedisMemory[]): RedisMemory {
  return readings.reduce((a, b) => (fill(b) > fill(a) || (fill(b) === fill(a) && b.usedBytes > a.usedBytes) ? b : a));
}

/** INFO memory of the one server, or of every master of a cluster (the fullest). */
export async function readRedisMemory(redis: RedisClient): Promise<RedisMemory> {
  const nodes = scanTargets(redis);
  if (nodes.length === 0) throw new Error('the cluster client knows no master');
  return fullestMemory(await Promise.all(nodes.map(async (node) => parseMemoryInfo(await node.info('memory')))));
}
