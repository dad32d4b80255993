-- KEYS: queued-texts hash and drain hash of the interactive queue, then of the bulk queue. ARGV:
-- now ms ('' = Redis TIME), '1' when a worker picked the chunks up ('0': removed from the queue,
-- or never queued), then the chunk ids. Each chunk is released once (its field goes), from the
-- queue's sum and from its tenant's (`@<id>` names the tenant, `#t:<tenant>` sums its texts); the
-- chunk's tenant is read from the hash, so a release needs no tenant; a chunk counted for its
-- tenant only (`~<id>`, RESERVE_TEXTS' tenant-only mode) leaves its tenant's sum, not `#texts`. Pickups are counted in their
-- queue's drain bucket. Returns the texts released.
--- @include "drain-clock"
local sec = math.floor(clock(ARGV[1]) / 1000)
local pickup = ARGV[2] == '1'
local released = 0
for k = 1, #KEYS, 2 do
  local key, drain = KEYS[k], KEYS[k + 1]
  local n = 0
  for i = 3, #ARGV do
    local v = redis.call('HGET', key, ARGV[i])
    -- `~<id>`: a chunk counted in its tenant's sum only (RESERVE_TEXTS' tenant-only mode), not in `#texts`.
    local own = redis.call('HGET', key, '~' .. ARGV[i])
    if v then
      redis.call('HDEL', key, ARGV[i])
      n = n + tonumber(v)
    end
    if own then redis.call('HDEL', key, '~' .. ARGV[i]) end
    if v or own then
      local tenant = redis.call('HGET', key, '@' .. ARGV[i])
      if tenant then
        redis.call('HDEL', key, '@' .. ARGV[i])
        if redis.call('HINCRBY', key, '#t:' .. tenant, -tonumber(v or own)) <= 0 then redis.call('HDEL', key, '#t:' .. tenant) end
      end
    end
  end
  if n > 0 then
    released = released + n
    if pickup then
      roll(drain, sec)
      redis.call('HINCRBY', drain, 'cur', n)
    end
    if redis.call('HINCRBY', key, '#texts', -n) <= 0 then
      redis.call('HDEL', key, '#texts')
      if pickup then redis.call('HSET', drain, 'sat', 0) end
    end
  end
end
return released
