// Which master of a Redis Cluster owns a key, by the client's slot table: ioredis keeps, per hash
// slot, the `host:port` addresses serving it (the master first), and one connection per known node.
// The WAIT of REDIS_WAIT_REPLICAS must go to the master that took the writes (replication-wait.ts),
// and the readiness probe needs one key on each master (ready-probe.ts).
import { keySlot } from '@emo/config';
import type { Cluster, Redis } from 'ioredis';

/**
 * The master connection the client's slot table gives the hash slot of `key` (or of its `{tag}`) to;
 * undefined before the table is known, or while it names a node the client does not have as a
 * master (the cluster is failing over).
 */
export function masterOfSlot(cluster: Cluster, key: string): Redis | undefined {
  const address = cluster.slots[keySlot(key)]?.[0];
  return cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === address);
}
