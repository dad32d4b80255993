// Lua scripts for the state changes that must be atomic: creating a job under an idempotency
// key, starting a chunk, and storing a chunk's results exactly once with its counters.

/**
 * KEYS: meta, [idempotency]. ARGV: jobId, ttlSeconds, then field/value pairs of the meta hash.
 * Returns the id of the job that owns the key: the new one, or the one created earlier.
 */
export const CREATE_JOB = `
if #KEYS > 1 then
  local existing = redis.call('GET', KEYS[2])
  if existing then return existing end
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return ARGV[1]
`;

/**
 * KEYS: meta, results. ARGV: chunk index, now (ms).
 * Returns {exists, cancelled, stored}; marks the job started when it exists and is not cancelled.
 */
export const BEGIN_CHUNK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, 0} end
local stored = redis.call('HEXISTS', KEYS[2], ARGV[1])
local cancelled = redis.call('HEXISTS', KEYS[1], 'cancelled_at')
if stored == 0 and cancelled == 0 then redis.call('HSETNX', KEYS[1], 'started_at', ARGV[2]) end
return {1, cancelled, stored}
`;

/**
 * KEYS: meta, results. ARGV: chunk index, payload, items, failed, cancelled, ttlSeconds, now (ms),
 * finished channel, job id, model id ('' when none).
 * Returns 1 when stored, 0 when the chunk was already stored (a rerun), -1 when the job is gone.
 * The counters move only with the HSETNX that wins, so a rerun can never count or store twice.
 */
export const STORE_CHUNK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'done', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'failed', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'cancelled', ARGV[5])
if ARGV[10] ~= '' then redis.call('HSETNX', KEYS[1], 'model', ARGV[10]) end
local chunksDone = redis.call('HINCRBY', KEYS[1], 'chunks_done', 1)
redis.call('EXPIRE', KEYS[2], ARGV[6])
-- A streamed backfill has no chunk count until its upload ends (the seal script finishes it then).
local chunks = redis.call('HGET', KEYS[1], 'chunks')
if chunks and chunksDone >= tonumber(chunks) then
  redis.call('HSET', KEYS[1], 'finished_at', ARGV[7])
  redis.call('EXPIRE', KEYS[1], ARGV[6])
  redis.call('PUBLISH', ARGV[8], ARGV[9])
end
return 1
`;
