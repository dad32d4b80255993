-- Requeues what workers whose lease lapsed had taken from the lane (lane/lane-consumer.ts): the
-- process died, hung or lost Redis for longer than its lease. KEYS: the lane's workers sorted set,
-- wait list, dead list. ARGV: the taken lists' key prefix (a worker id follows), the most stalls an
-- entry may have (WORKER maxStalledCount; one more and it goes to the dead list for CHUNK_FAILED
-- lines), how long (ms) a reaped worker stays as a tombstone. An entry is
-- '<failed attempts> <stalls> <json>'; each is requeued at the taking end, oldest taken first out.
-- A live lease scores when it lapses (> 0); a reaped worker stays as a tombstone scored minus the
-- time it was reaped, and its taken list is emptied again at every call: a worker that was only
-- paused may take entries before its next beat turns the tombstone back into a lease, and if it
-- dies in between, no entry may stay in a list no one reaps. At most 100 of each per call.
-- Returns {requeued, dead}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local maxStalls = tonumber(ARGV[2])
local requeued, dead = 0, 0
local function giveBack(worker)
  local taken = ARGV[1] .. worker
  -- LMOVE pushes left: index 1 is the newest, so pushing right from 1 on leaves the oldest rightmost.
  for _, e in ipairs(redis.call('LRANGE', taken, 0, -1)) do
    local failed, stalls, json = string.match(e, '^(%d+) (%d+) (.*)$')
    if failed then
      local again = failed .. ' ' .. (tonumber(stalls) + 1) .. ' ' .. json
      if tonumber(stalls) + 1 > maxStalls then
        redis.call('RPUSH', KEYS[3], again)
        dead = dead + 1
      else
        redis.call('RPUSH', KEYS[2], again)
        requeued = requeued + 1
      end
    end
  end
  redis.call('DEL', taken)
end
for _, worker in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], 0, now, 'LIMIT', 0, 100)) do
  giveBack(worker)
  redis.call('ZADD', KEYS[1], -now, worker)
end
for _, worker in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(0', 'LIMIT', 0, 100)) do
  giveBack(worker)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '(' .. (tonumber(ARGV[3]) - now), '(0')
return {requeued, dead}
