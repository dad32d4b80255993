// Operations on whole cache namespaces: drop one model's keys (SCAN + UNLINK in batches, never
// FLUSHALL/FLUSHDB, so the queue and other models sharing the Redis are untouched) and count them.
import type { Redis } from 'ioredis';

export async function unlinkMatching(redis: Redis, pattern: string, batch = 1000): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', batch);
    cursor = next;
    if (keys.length > 0) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

/** Keys and sampled bytes of a namespace (MEMORY USAGE on up to `sample` keys, extrapolated). */
export async function measureNamespace(redis: Redis, pattern: string, sample = 200): Promise<{ keys: number; approxBytes: number }> {
  let cursor = '0';
  let keys = 0;
  const sampled: string[] = [];
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys += found.length;
    for (const k of found) if (sampled.length < sample) sampled.push(k);
  } while (cursor !== '0');
  if (sampled.length === 0) return { keys, approxBytes: 0 };
  const sizes = await Promise.all(sampled.map((k) => redis.memory('USAGE', k).catch(() => null)));
  const known = sizes.filter((s): s is number => typeof s === 'number');
  const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 0;
  return { keys, approxBytes: Math.round(mean * keys) };
}
