-- Shared by the admission commands: `clock(arg)` is the time in ms (ARGV value, else Redis TIME:
-- one clock for the whole fleet), and `roll(drain, sec)` starts a new one-second bucket of the
-- drain hash. A second in which the queue never ran empty (`sat`) measured what the workers take
-- per second: it feeds the capacity estimate `cap` (texts/s, moving average).
local function clock(arg)
  local now = tonumber(arg)
  if now then return now end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function roll(drain, sec)
  local at = tonumber(redis.call('HGET', drain, 'sec') or '-1')
  if at == sec then return end
  if at == sec - 1 and redis.call('HGET', drain, 'sat') == '1' then
    local cur = tonumber(redis.call('HGET', drain, 'cur') or '0')
    local cap = tonumber(redis.call('HGET', drain, 'cap') or '0')
    if cap > 0 then cap = 0.5 * cap + 0.5 * cur else cap = cur end
    redis.call('HSET', drain, 'cap', tostring(cap))
  end
  redis.call('HSET', drain, 'sec', sec, 'cur', 0, 'sat', 1)
end
