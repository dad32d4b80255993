// Operations on whole cache namespaces: drop one model's keys (SCAN + UNLINK in batches, never
// FLUSHALL/FLUSHDB, so the queue and other models sharing the Redis are untouched) and count them.
// On a Redis Cluster every master is scanned, and keys (each in its own slot) are unlinked one by one.
import { cacheNodes, type CacheRedis } from './cache-redis';

export async function unlinkMatching(redis: CacheRedis, pattern: string, batch = 1000): Promise<number> {
  let removed = 0;
  for (const node of cacheNodes(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', batch);
      cursor = next;
      if (keys.length === 0) continue;
      if (redis.isCluster) removed += (await Promise.all(keys.map((k) => node.unlink(k)))).reduce((a, b) => a + b, 0);
      else removed += await node.unlink(...keys);
    } while (cursor !== '0');
  }
  return removed;
}

/** Keys and sampled bytes of a namespace (MEMORY USAGE on up to `sample` keys, extrapolated). */
export async function measureNamespace(redis: CacheRedis, pattern: string, sample = 200): Promise<{ keys: number; approxBytes: number }> {
  let keys = 0;
  const sampled: string[] = [];
  for (const node of cacheNodes(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys += found.length;
      for (const k of found) if (sampled.length < sample) sampled.push(k);
    } while (cursor !== '0');
  }
  if (sampled.length === 0) return { keys, approxBytes: 0 };
  const sizes = await Promise.all(sampled.map((k) => redis.memory('USAGE', k).catch(() => null)));
  const known = sizes.filter((s): s is number => typeof s === 'number');
  const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 0;
  return { keys, approxBytes: Math.round(mean * keys) };
}
