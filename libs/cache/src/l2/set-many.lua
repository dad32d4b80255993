-- SET_MANY: an L2 write of many entries in one command. KEYS: the entries' keys. ARGV: for each
-- key in order, its value then its time to live in ms (jittered by the caller). One command
-- instead of a pipeline of SETs: the client builds, writes and settles one command per batch, not
-- one per text. Single Redis only: on a cluster the keys of a batch span many slots.
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'PX', ARGV[2 * i])
end
return #KEYS
