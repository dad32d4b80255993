-- Creates a job record, under an idempotency key when one is given.
-- KEYS: meta, [idempotency]. ARGV: job id, ttl seconds, then the record's field/value pairs.
-- Returns the id of the job that owns the key: the new one, or the one created earlier.
--- @include "create-record"
if #KEYS > 1 then
  local existing = redis.call('GET', KEYS[2])
  if existing then return existing end
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
end
createRecord(KEYS[1], ARGV[2], 3)
return ARGV[1]
