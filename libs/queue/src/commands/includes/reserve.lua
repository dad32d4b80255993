-- Admission in texts, `reserveTexts(K, A)`: K and A are laid out as KEYS and ARGV of reserve-texts.
-- K: the priority's queued-texts hash, its drain hash, the other
-- priority's queued-texts hash. A: limit, deadline ms (0: limit only), deadline share, now ms
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
local function reserveTexts(K, A)
  local now = clock(A[4])
  local tenant = A[5]
  local tenantLimit = tonumber(A[6])
  local tenantField = '#t:' .. tenant
  if A[1] == '-1' and tenant ~= '' then
    local total = tonumber(redis.call('HGET', K[1], '#texts') or '0')
    local queued = tonumber(redis.call('HGET', K[1], tenantField) or '0') + tonumber(redis.call('HGET', K[3], tenantField) or '0')
    local add = 0
    local fresh = {}
    for i = 7, #A, 2 do
      if redis.call('HEXISTS', K[1], A[i]) == 0 and redis.call('HEXISTS', K[1], '~' .. A[i]) == 0 then
        add = add + tonumber(A[i + 1])
        fresh[#fresh + 1] = i
      end
    end
    if add > 0 and tenantLimit > 0 and queued > 0 and queued + add > tenantLimit then return {0, total, -1, queued, 2} end
    for _, i in ipairs(fresh) do
      redis.call('HSET', K[1], '~' .. A[i], A[i + 1], '@' .. A[i], tenant)
    end
    if add > 0 then queued = queued + add; redis.call('HINCRBY', K[1], tenantField, add) end
    return {1, total, -1, queued, 0}
  end
  local total = tonumber(redis.call('HGET', K[1], '#texts') or '0')
  local add = 0
  local fresh = {}
  for i = 7, #A, 2 do
    if redis.call('HEXISTS', K[1], A[i]) == 0 then
      add = add + tonumber(A[i + 1])
      fresh[#fresh + 1] = i
    end
  end
  local tenantQueued = 0
  if tenant ~= '' then
    tenantQueued = tonumber(redis.call('HGET', K[1], tenantField) or '0') + tonumber(redis.call('HGET', K[3], tenantField) or '0')
  end
  local limit = tonumber(A[1])
  local deadline = tonumber(A[2])
  if deadline > 0 then
    local cap = tonumber(redis.call('HGET', K[2], 'cap') or '0')
    if cap > 0 then limit = math.max(1, math.min(limit, math.floor(cap * deadline / 1000 * tonumber(A[3])))) end
  end
  if tenantLimit > 0 and tenantQueued > 0 and tenantQueued + add > tenantLimit then return {0, total, limit, tenantQueued, 2} end
  if total > 0 and total + add > limit then return {0, total, limit, tenantQueued, 1} end
  if total == 0 then
    -- The queue was idle: this second says nothing about the workers' capacity.
    roll(K[2], math.floor(now / 1000))
    redis.call('HSET', K[2], 'sat', 0)
  end
  for _, i in ipairs(fresh) do
    redis.call('HSET', K[1], A[i], A[i + 1])
    if tenant ~= '' then redis.call('HSET', K[1], '@' .. A[i], tenant) end
  end
  if add > 0 then
    total = redis.call('HINCRBY', K[1], '#texts', add)
    if tenant ~= '' then
      redis.call('HINCRBY', K[1], tenantField, add)
      tenantQueued = tenantQueued + add
    end
  end
  return {1, total, limit, tenantQueued, 0}
end
