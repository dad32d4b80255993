-- The interactive lane's counts in one round trip (lane/interactive-lane.ts): KEYS: the wait list,
-- the workers sorted set, the dead list. ARGV: the taken lists' key prefix (a worker id follows).
-- Returns {waiting, taken by workers, dead}.
local taken = 0
for _, worker in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  taken = taken + redis.call('LLEN', ARGV[1] .. worker)
end
return {redis.call('LLEN', KEYS[1]), taken, redis.call('LLEN', KEYS[3])}
