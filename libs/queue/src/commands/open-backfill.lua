-- Creates a backfill's record, or reopens it for a resumed upload.
-- KEYS: meta. ARGV: ttl seconds, settings (JSON), then the new record's field/value pairs.
-- Returns {outcome, chunk size}: 'created', 'resumed' (same settings: keeps the first chunk
-- size), or 'conflict' (the id is taken by a backfill with other settings).
--- @include "create-record"
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'settings') ~= ARGV[2] then return {'conflict', 0} end
  redis.call('HINCRBY', KEYS[1], 'uploads', 1)
  redis.call('HSET', KEYS[1], 'uploaded_lines', 0, 'ingest_errors', 0)
  redis.call('HDEL', KEYS[1], 'upload_complete')
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  return {'resumed', tonumber(redis.call('HGET', KEYS[1], 'chunk_size'))}
end
createRecord(KEYS[1], ARGV[1], 3)
return {'created', tonumber(redis.call('HGET', KEYS[1], 'chunk_size'))}
