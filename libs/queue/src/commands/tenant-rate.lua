-- A tenant's token bucket (rate limit in texts per second), in one atomic step so that every API
-- pod shares it. KEYS: the bucket hash (fields `t` tokens, `ts` ms of that reading). ARGV: rate
-- (texts/s, > 0), capacity (texts), cost (texts of this request), now ms ('' = Redis TIME: one
-- clock for the fleet). The bucket refills at `rate` up to `capacity`. A request is admitted when
-- the bucket holds its cost; one that costs more than the whole bucket is admitted when the bucket
-- is full and leaves it in debt (negative), so it can pass at all and the average rate still holds.
-- Returns {allowed 0/1, remaining texts (floor, >= 0), retry-after ms (0 when allowed: when the
-- bucket will hold what this request needs), reset ms (until the bucket is full again)}. The key
-- expires when the bucket would be full, so an idle tenant costs no memory. ARGV[5] = 'refund'
-- gives `cost` texts back (a call a later admission step refused after its take): the bucket,
-- refilled to now, gains them, capped at its capacity, so it ends as if the take had not been.
--- @include "drain-clock"
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = clock(ARGV[4])
local tokens = capacity
local state = redis.call('HMGET', KEYS[1], 't', 'ts')
if state[1] then
  local at = tonumber(state[2])
  -- A clock behind the last reading (another pod's, when callers pass their own) refills nothing.
  if now < at then now = at end
  tokens = math.min(capacity, tonumber(state[1]) + (now - at) * rate / 1000)
end
local need = math.min(cost, capacity)
local allowed = 0
local retry = 0
if ARGV[5] == 'refund' then
  allowed = 1
  tokens = math.min(capacity, tokens + cost)
elseif tokens >= need then
  allowed = 1
  tokens = tokens - cost
else
  retry = math.ceil((need - tokens) * 1000 / rate)
end
local reset = math.ceil((capacity - tokens) * 1000 / rate)
if reset > 0 then
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', now)
  redis.call('PEXPIRE', KEYS[1], reset)
else
  redis.call('DEL', KEYS[1])
end
return {allowed, math.max(0, math.floor(tokens)), retry, reset}
