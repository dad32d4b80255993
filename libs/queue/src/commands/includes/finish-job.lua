-- Finishes a job once every chunk is stored: stamps finished_at, keeps the record `ttl` seconds
-- from now, and publishes the job id on the fleet's finished channel (JobFinishedListener wakes
-- its waiters). The only place a job finishes: storing its last chunk (store-chunk) or sealing a
-- backfill whose chunks were all stored before its upload ended (seal-backfill).
-- A record without `chunks` (a backfill still uploading) cannot finish yet. Returns 1 when it
-- finished now, 0 otherwise (not done, or finished already).
-- A one-chunk job with a `push` channel (a /v1/classify call; `results`: its results hash) first
-- publishes `<job id>\n<its result lines>` there, when they fit PUSH_MAX_BYTES: the waiting API
-- process answers from the message. The id on `channel` follows, for every other waiter.
local PUSH_MAX_BYTES = 262144
local function finishIfDone(meta, chunksDone, now, ttl, channel, jobId, results)
  local chunks = redis.call('HGET', meta, 'chunks')
  if not chunks or chunksDone < tonumber(chunks) or redis.call('HEXISTS', meta, 'finished_at') == 1 then return 0 end
  redis.call('HSET', meta, 'finished_at', now)
  redis.call('EXPIRE', meta, ttl)
  local push = results and chunks == '1' and redis.call('HGET', meta, 'push')
  if push then
    local lines = redis.call('HGET', results, '0')
    if lines and #lines <= PUSH_MAX_BYTES then redis.call('PUBLISH', push, jobId .. '\n' .. lines) end
  end
  redis.call('PUBLISH', channel, jobId)
  return 1
end
