-- A worker's lease on the lane (lane/lane-consumer.ts): KEYS: the lane's workers sorted set.
-- ARGV: worker id, lease (ms). The member's score is when the lease lapses, by Redis's clock (one
-- clock for every worker). Returns that time.
local t = redis.call('TIME')
local lapses = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], lapses, ARGV[1])
return lapses
