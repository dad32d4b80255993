-- A worker is about to run a chunk. KEYS: meta, results. ARGV: chunk index, now (ms).
-- Returns {exists, cancelled, stored}; marks the job started when it exists and is not cancelled.
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, 0} end
local stored = redis.call('HEXISTS', KEYS[2], ARGV[1])
local cancelled = redis.call('HEXISTS', KEYS[1], 'cancelled_at')
if stored == 0 and cancelled == 0 then redis.call('HSETNX', KEYS[1], 'started_at', ARGV[2]) end
return {1, cancelled, stored}
