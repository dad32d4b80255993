// Acknowledged only once replicated (REDIS_WAIT_REPLICAS, docs/reliability.md "Redis Cluster
// failover"): Redis replicates asynchronously, so a master that crashes right after a write may
// fail over to a replica that never got it. After the writes a client is told about (a job's record
// and its queued chunks before 202, a chunk's results before its queue job completes) the fleet
// sends `WAIT <replicas> <timeoutMs>` to the master that took them, over the connection that wrote
// them (WAIT counts that connection's writes). Fewer replicas acknowledging within the timeout is
// QUEUE_UNAVAILABLE (retryable): the API answers 503 and the client retries (same idempotency key or
// backfill id), a worker's chunk attempt fails and BullMQ runs it again (its stored results are kept
// once: STORE_CHUNK). 0 replicas: off, nothing is sent.
import { AppError } from '@emo/contracts';
import type { Cluster, Redis } from 'ioredis';
import { masterOfSlot } from './cluster-slot-master';
import { isCluster, type RedisClient } from './redis-connection';

export interface ReplicationWait {
  /** Replicas that must have a write before it counts as done (0: off). */
  readonly replicas: number;
  /** How long WAIT may block. */
  readonly timeoutMs: number;
}

/** Waits until `wait.replicas` replicas of the master holding `key` have this connection's writes to it. */
export async function awaitReplicas(redis: RedisClient, key: string, wait: ReplicationWait | undefined): Promise<void> {
  if (!wait || wait.replicas <= 0) return;
  const node = isCluster(redis) ? masterOf(redis, key) : redis;
  const acked = await sharedWait(node, wait);
  if (acked < wait.replicas)
    throw new AppError(
      'QUEUE_UNAVAILABLE',
      `${acked} of ${wait.replicas} Redis replicas acknowledged the write within ${wait.timeoutMs} ms; retry later`,
      { reason: 'redis_replication' },
    );
}

/** WAITs about to be sent, per connection: callers of one event-loop turn share one. */
const batches = new WeakMap<Redis, Promise<number>>();

/**
 * One WAIT per connection for the callers of one event-loop turn: WAIT covers every write the
 * connection made before it (each caller's write was answered before it asked), and Redis runs a
 * connection's commands in order, so a WAIT blocks everything behind it on that connection (up to the
 * timeout when a replica is gone): many concurrent WAITs would queue up one after another.
 */
function sharedWait(node: Redis, wait: ReplicationWait): Promise<number> {
  let batch = batches.get(node);
  if (!batch) {
    batch = new Promise<number>((resolve, reject) =>
      setImmediate(() => {
        batches.delete(node);
        node.call('WAIT', wait.replicas, wait.timeoutMs).then((n) => resolve(Number(n)), reject);
      }),
    );
    batches.set(node, batch);
  }
  return batch;
}

function masterOf(cluster: Cluster, key: string): Redis {
  const node = masterOfSlot(cluster, key);
  if (!node)
    throw new AppError('QUEUE_UNAVAILABLE', `No known master serves the slot of ${key} (the cluster is failing over); retry later`);
  return node;
}
