// Lua scripts of the backfill record (atomic next to the fleet's STORE_CHUNK, which counts chunks).

/**
 * KEYS: meta. ARGV: job id, ttl seconds, now (ms), settings (JSON), chunk size, backfill id.
 * Returns {outcome, chunk size}: 'created', 'resumed' (same settings: keeps the first chunk size),
 * or 'conflict' (the id is taken by a backfill with other settings).
 */
export const OPEN_BACKFILL = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'settings') ~= ARGV[4] then return {'conflict', 0} end
  redis.call('HINCRBY', KEYS[1], 'uploads', 1)
  redis.call('HSET', KEYS[1], 'uploaded_lines', 0, 'ingest_errors', 0)
  redis.call('HDEL', KEYS[1], 'upload_complete')
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return {'resumed', tonumber(redis.call('HGET', KEYS[1], 'chunk_size'))}
end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'kind', 'backfill', 'backfill_id', ARGV[6], 'priority', 'bulk', 'settings', ARGV[4],
  'chunk_size', ARGV[5], 'created_at', ARGV[3], 'done', 0, 'failed', 0, 'cancelled', 0, 'chunks_done', 0, 'uploads', 1,
  'uploaded_lines', 0, 'ingest_errors', 0, 'enqueued', 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {'created', tonumber(ARGV[5])}
`;

/**
 * KEYS: meta. ARGV: lines, chunks, input errors, now (ms), finished channel, job id, ttl seconds.
 * Fixes the line and chunk counts once the whole file went through, and finishes the backfill
 * when every chunk is already stored. Returns 1 when it finished now.
 */
export const SEAL_BACKFILL = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'chunks', ARGV[2], 'input_errors', ARGV[3], 'uploaded_lines', ARGV[1], 'upload_complete', 1)
redis.call('HSETNX', KEYS[1], 'sealed_at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[7])
if redis.call('HEXISTS', KEYS[1], 'finished_at') == 0 and tonumber(redis.call('HGET', KEYS[1], 'chunks_done')) >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'finished_at', ARGV[4])
  redis.call('PUBLISH', ARGV[5], ARGV[6])
  return 1
end
return 0
`;
