-- KEYS: an idempotency key (`<payload digest>:<job id>`, create-job.lua). ARGV: ':<job id>'.
-- Deletes the key only if it still names that job (compare-and-delete): the job's record is gone
-- (lost in a failover before it was replicated, docs/reliability.md "Redis Cluster failover"), and a
-- retry may then make the job afresh. Returns 1 when it deleted the key, else 0.
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, -#ARGV[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
