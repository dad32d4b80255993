// The readiness probe's write (GET /readyz): a small key with a short expiry. At maxmemory under
// noeviction Redis refuses it with OOM while reads and PING still answer. On a Redis Cluster each
// master runs out of memory on its own, so one key is written into a slot of each master (a hash
// tag that the client's slot table gives to that master): any full master fails the probe. On one
// Redis it is the one key, as before.
import { masterOfSlot } from './cluster-slot-master';
import { isCluster, type RedisClient } from './redis-connection';

/** How long a probe key lives. */
export const READY_PROBE_PX = 10_000;
/** Tags tried while looking for one in each master's slots (a few suffice for any sane cluster). */
const MAX_TAGS = 100_000;

/** The keys a probe writes: `base` on one Redis; on a cluster `base:{<tag>}`, one per master the slot table knows. */
export function readyProbeKeys(redis: RedisClient, base: string): string[] {
  if (!isCluster(redis)) return [base];
  const masters = new Set(redis.nodes('master'));
  const keys: string[] = [];
  for (let i = 0; masters.size > 0 && i < MAX_TAGS; i++) {
    const tag = `p${i}`;
    const owner = masterOfSlot(redis, tag);
    if (owner !== undefined && masters.delete(owner)) keys.push(`${base}:{${tag}}`);
  }
  // No slot table yet (not connected): one key, routed by the client as any command.
  return keys.length > 0 ? keys : [base];
}

/** Writes the probe keys; throws what Redis answers (OOM from a full master). */
export async function writeReadyProbe(redis: RedisClient, base: string): Promise<void> {
  await Promise.all(readyProbeKeys(redis, base).map((key) => redis.set(key, '1', 'PX', READY_PROBE_PX)));
}
