-- A worker takes queued POST /v1/classify chunks from the interactive lane (lane/lane-consumer.ts),
-- after its blocking BLMOVE returned the first one. KEYS: the lane's wait list, the worker's taken
-- list. ARGV: the most entries to take. Entries move oldest first (pushed left, taken from the
-- right) into the taken list, where they stay until the worker settles them or its lease lapses.
-- Returns the entries taken, oldest first.
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local e = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not e then break end
  out[i] = e
end
return out
