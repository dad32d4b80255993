// An idempotency key (`<payload digest>:<job id>`, create-job.lua) that names a job whose record is
// gone: lost in a failover before it was replicated (docs/reliability.md, Redis Cluster failover).
import type { RedisClient } from './redis-connection';

const FREE_IF_NAMING = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, -#ARGV[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Deletes `key` if it still names `jobId` (compare-and-delete, one slot); true when it did. */
export async function freeKeyNaming(redis: RedisClient, key: string, jobId: string): Promise<boolean> {
  return (await redis.eval(FREE_IF_NAMING, 1, key, `:${jobId}`)) === 1;
}
