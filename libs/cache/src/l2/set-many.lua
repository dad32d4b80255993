-- SET_MANY: an L2 write of many entries in one command. KEYS: the entries' keys. ARGV: each key's
-- value in order, then one time to live in ms for all of them (jittered by the caller per command,
-- so the entries of a backfill still expire spread out). One command instead of a pipeline of
-- SETs: the client builds, writes and settles one command per batch, not one per text. Single
-- Redis only: on a cluster the keys of a batch span many slots.
local ttl = ARGV[#KEYS + 1]
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i], 'PX', ttl)
end
return #KEYS
