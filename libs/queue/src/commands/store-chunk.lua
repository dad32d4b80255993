-- Stores a chunk's result lines exactly once, counts them, and finishes the job with its last chunk.
-- KEYS: meta, results. ARGV: chunk index, payload, items, failed, cancelled, ttl seconds, now (ms),
-- finished channel, job id, model id ('' when none).
-- Returns 1 when stored, 0 when the chunk was already stored (a rerun), -1 when the job is gone.
-- The counters move only with the HSETNX that wins, so a rerun can never count or store twice.
--- @include "finish-job"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
-- A job with a TTL of its own (a /v1/classify call: CLASSIFY_RESULT_TTL_SECONDS) keeps it.
local ttl = redis.call('HGET', KEYS[1], 'ttl') or ARGV[6]
redis.call('HINCRBY', KEYS[1], 'done', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'failed', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'cancelled', ARGV[5])
if ARGV[10] ~= '' then redis.call('HSETNX', KEYS[1], 'model', ARGV[10]) end
local chunksDone = redis.call('HINCRBY', KEYS[1], 'chunks_done', 1)
redis.call('EXPIRE', KEYS[2], ttl)
-- A streamed backfill has no chunk count until its upload ends (seal-backfill finishes it then).
finishIfDone(KEYS[1], chunksDone, ARGV[7], ttl, ARGV[8], ARGV[9], KEYS[2])
return 1
