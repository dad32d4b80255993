-- Finishes a job once every chunk is stored: stamps finished_at, keeps the record `ttl` seconds
-- from now, and publishes the job id on the fleet's finished channel (JobFinishedListener wakes
-- its waiters). The only place a job finishes: storing its last chunk (store-chunk) or sealing a
-- backfill whose chunks were all stored before its upload ended (seal-backfill).
-- A record without `chunks` (a backfill still uploading) cannot finish yet. Returns 1 when it
-- finished now, 0 otherwise (not done, or finished already).
local function finishIfDone(meta, chunksDone, now, ttl, channel, jobId)
  local chunks = redis.call('HGET', meta, 'chunks')
  if not chunks or chunksDone < tonumber(chunks) or redis.call('HEXISTS', meta, 'finished_at') == 1 then return 0 end
  redis.call('HSET', meta, 'finished_at', now)
  redis.call('EXPIRE', meta, ttl)
  redis.call('PUBLISH', channel, jobId)
  return 1
end
