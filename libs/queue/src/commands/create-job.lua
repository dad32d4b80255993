-- Creates a job record, under an idempotency key when one is given.
-- KEYS: meta, [idempotency key of the tenant]. ARGV: job id, ttl seconds, payload digest, then the
-- record's field/value pairs.
-- The key's value is `<payload digest>:<job id>`. Returns {outcome, job id}: 'created' (this job),
-- 'existing' (the key names an earlier job with the same payload: that job) or 'conflict' (the key
-- names a job with another payload; its id is not returned, so the caller cannot leak it).
--- @include "create-record"
if #KEYS > 1 then
  local existing = redis.call('GET', KEYS[2])
  if existing then
    local digest, owner = string.match(existing, '^([^:]*):(.+)$')
    if owner and digest == ARGV[3] then return {'existing', owner} end
    return {'conflict', ''}
  end
  redis.call('SET', KEYS[2], ARGV[3] .. ':' .. ARGV[1], 'EX', ARGV[2])
end
createRecord(KEYS[1], ARGV[2], 4)
return {'created', ARGV[1]}
