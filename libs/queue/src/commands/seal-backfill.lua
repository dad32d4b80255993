-- The upload went through the whole file. KEYS: meta. ARGV: lines, chunks, input errors, now
-- (ms), finished channel, job id, ttl seconds. Fixes the line and chunk counts, and finishes
-- the backfill when every chunk is already stored. Returns 1 when it finished now, 0 when not,
-- -1 when the record is gone.
--- @include "finish-job"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'chunks', ARGV[2], 'input_errors', ARGV[3], 'uploaded_lines', ARGV[1], 'upload_complete', 1)
redis.call('HSETNX', KEYS[1], 'sealed_at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[7])
return finishIfDone(KEYS[1], tonumber(redis.call('HGET', KEYS[1], 'chunks_done')), ARGV[4], ARGV[7], ARGV[5], ARGV[6])
