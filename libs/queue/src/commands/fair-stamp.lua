-- Start-time fair queueing of bulk chunks between tenants (ADR 014), as BullMQ priorities (lower
-- runs first). KEYS: the fair-share hash, then the bulk queue's prioritized zset, wait list,
-- delayed zset and active list. ARGV: texts per priority step, the highest priority, the queue's
-- key prefix (a job's hash is <prefix><job id>), the clock value past which it restarts from 0,
-- then one triple per chunk: job id, tenant, cost (texts / weight).
-- The hash holds `v`, the virtual clock, and `t:<tenant>`, how far the tenant's stamps reach. A
-- chunk starts at max(v, its tenant's mark), and the mark moves on by its cost: a tenant's
-- chunks interleave with the others' in proportion to weight, whatever was queued before them.
-- v follows the chunk next in line (the lowest priority waiting): a tenant that was idle starts one
-- step before it, where the chunk last picked up stood (start-time fair queueing's clock is the
-- start of the chunk in service), neither behind the others' backlogs nor ahead by credit for its
-- idle time. With
-- nothing waiting every stamp was picked up: v moves past every mark and the marks go (all start
-- level). BullMQ priorities end at 2^21: once v passes the restart value while no bulk chunk
-- waits, is delayed or runs, v starts again from 0. Returns one priority per chunk, 0 for a chunk
-- that exists already (adding it again is a no-op for BullMQ, so nothing is charged).
local fair = KEYS[1]
local unit = tonumber(ARGV[1])
local top = tonumber(ARGV[2])
local jobs = ARGV[3]
local v = tonumber(redis.call('HGET', fair, 'v') or '0')
local head = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #head > 0 then
  -- BullMQ scores a prioritized job priority * 2^32 + a counter; priority p starts at (p - 1) * unit.
  v = math.max(v, (math.floor(tonumber(head[2]) / 4294967296) - 2) * unit)
else
  local marks = redis.call('HGETALL', fair)
  for i = 1, #marks, 2 do
    if string.sub(marks[i], 1, 2) == 't:' then
      v = math.max(v, tonumber(marks[i + 1]))
      redis.call('HDEL', fair, marks[i])
    end
  end
  local busy = redis.call('LLEN', KEYS[3]) + redis.call('ZCARD', KEYS[4]) + redis.call('LLEN', KEYS[5])
  if v >= tonumber(ARGV[4]) and busy == 0 then v = 0 end
end
redis.call('HSET', fair, 'v', tostring(v))
local out = {}
for i = 5, #ARGV, 3 do
  if redis.call('EXISTS', jobs .. ARGV[i]) == 1 then
    out[#out + 1] = 0
  else
    local mark = 't:' .. ARGV[i + 1]
    local start = math.max(v, tonumber(redis.call('HGET', fair, mark) or '0'))
    redis.call('HSET', fair, mark, tostring(start + tonumber(ARGV[i + 2])))
    out[#out + 1] = math.min(top, 1 + math.floor(start / unit))
  end
end
return out
