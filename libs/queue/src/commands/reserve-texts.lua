-- Admission in texts. KEYS: the priority's queued-texts hash, its drain hash. ARGV: limit,
-- deadline ms (0: limit only), deadline share, now ms ('' = Redis TIME), then chunk id / texts
-- pairs of the chunks about to be queued. With a measured capacity, the limit drops to what the
-- workers take within the share of the deadline. Refuses ({0, queued, limit}) when texts are
-- queued already and these would take the sum over the limit (a job bigger than it still runs on
-- an empty queue); else records the chunks not recorded yet and returns {1, queued, limit}.
--- @include "drain-clock"
local now = clock(ARGV[4])
local total = tonumber(redis.call('HGET', KEYS[1], '#texts') or '0')
local add = 0
local fresh = {}
for i = 5, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then
    add = add + tonumber(ARGV[i + 1])
    fresh[#fresh + 1] = i
  end
end
local limit = tonumber(ARGV[1])
local deadline = tonumber(ARGV[2])
if deadline > 0 then
  local cap = tonumber(redis.call('HGET', KEYS[2], 'cap') or '0')
  if cap > 0 then limit = math.max(1, math.min(limit, math.floor(cap * deadline / 1000 * tonumber(ARGV[3])))) end
end
if total > 0 and total + add > limit then return {0, total, limit} end
if total == 0 then
  -- The queue was idle: this second says nothing about the workers' capacity.
  roll(KEYS[2], math.floor(now / 1000))
  redis.call('HSET', KEYS[2], 'sat', 0)
end
for _, i in ipairs(fresh) do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if add > 0 then total = redis.call('HINCRBY', KEYS[1], '#texts', add) end
return {1, total, limit}
