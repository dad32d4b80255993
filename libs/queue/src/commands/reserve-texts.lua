-- Admission in texts. KEYS: the priority's queued-texts hash, its drain hash, the other
-- priority's queued-texts hash. ARGV: limit, deadline ms (0: limit only), deadline share, now ms
-- ('' = Redis TIME), tenant id ('' = none), the tenant's most queued texts (0: off), then chunk id
-- / texts pairs of the chunks about to be queued. With a measured capacity, the limit drops to what
-- the workers take within the share of the deadline. A tenant's queued texts are summed in field
-- `#t:<tenant>` of each priority's hash (chunk `@<id>` → its tenant, so a release finds it), and
-- its limit spans both queues. Refuses when texts are queued already and these would take the sum
-- over a limit (a job bigger than it still runs when nothing is queued): {0, queued, limit,
-- tenant queued, 2} for the tenant's limit (checked first: its own share is what it can act on),
-- {0, queued, limit, tenant queued, 1} for the queue's; else records the chunks not recorded yet
-- and returns {1, queued, limit, tenant queued, 0}.
-- Limit -1 is the tenant-only mode (backfill chunks, which the queue admits by waiting instead): the
-- chunks count in the tenant's sum only, as `~<id>` → texts (plus `@<id>` → tenant), never in
-- `#texts`; refused ({0, queued, -1, tenant queued, 2}) only by the tenant's limit; RELEASE_TEXTS
-- releases them by chunk id like any other.
--- @include "drain-clock"
local now = clock(ARGV[4])
local tenant = ARGV[5]
local tenantLimit = tonumber(ARGV[6])
local tenantField = '#t:' .. tenant
if ARGV[1] == '-1' and tenant ~= '' then
  local total = tonumber(redis.call('HGET', KEYS[1], '#texts') or '0')
  local queued = tonumber(redis.call('HGET', KEYS[1], tenantField) or '0') + tonumber(redis.call('HGET', KEYS[3], tenantField) or '0')
  local add = 0
  local fresh = {}
  for i = 7, #ARGV, 2 do
    if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 and redis.call('HEXISTS', KEYS[1], '~' .. ARGV[i]) == 0 then
      add = add + tonumber(ARGV[i + 1])
      fresh[#fresh + 1] = i
    end
  end
  if add > 0 and tenantLimit > 0 and queued > 0 and queued + add > tenantLimit then return {0, total, -1, queued, 2} end
  for _, i in ipairs(fresh) do
    redis.call('HSET', KEYS[1], '~' .. ARGV[i], ARGV[i + 1], '@' .. ARGV[i], tenant)
  end
  if add > 0 then queued = queued + add; redis.call('HINCRBY', KEYS[1], tenantField, add) end
  return {1, total, -1, queued, 0}
end
local total = tonumber(redis.call('HGET', KEYS[1], '#texts') or '0')
local add = 0
local fresh = {}
for i = 7, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then
    add = add + tonumber(ARGV[i + 1])
    fresh[#fresh + 1] = i
  end
end
local tenantQueued = 0
if tenant ~= '' then
  tenantQueued = tonumber(redis.call('HGET', KEYS[1], tenantField) or '0') + tonumber(redis.call('HGET', KEYS[3], tenantField) or '0')
end
local limit = tonumber(ARGV[1])
local deadline = tonumber(ARGV[2])
if deadline > 0 then
  local cap = tonumber(redis.call('HGET', KEYS[2], 'cap') or '0')
  if cap > 0 then limit = math.max(1, math.min(limit, math.floor(cap * deadline / 1000 * tonumber(ARGV[3])))) end
end
if tenantLimit > 0 and tenantQueued > 0 and tenantQueued + add > tenantLimit then return {0, total, limit, tenantQueued, 2} end
if total > 0 and total + add > limit then return {0, total, limit, tenantQueued, 1} end
if total == 0 then
  -- The queue was idle: this second says nothing about the workers' capacity.
  roll(KEYS[2], math.floor(now / 1000))
  redis.call('HSET', KEYS[2], 'sat', 0)
end
for _, i in ipairs(fresh) do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  if tenant ~= '' then redis.call('HSET', KEYS[1], '@' .. ARGV[i], tenant) end
end
if add > 0 then
  total = redis.call('HINCRBY', KEYS[1], '#texts', add)
  if tenant ~= '' then
    redis.call('HINCRBY', KEYS[1], tenantField, add)
    tenantQueued = tenantQueued + add
  end
end
return {1, total, limit, tenantQueued, 0}
