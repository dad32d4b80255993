-- Creates a job record, under an idempotency key when one is given.
-- KEYS: meta, [idempotency key of the tenant]. ARGV: job id, ttl seconds, payload digest, then the
-- record's field/value pairs.
-- Returns {outcome, job id}: 'created' (this job), 'existing' (the key names an earlier job with the
-- same payload: that job) or 'conflict' (the key names a job with another payload; no id).
--- @include "create-record"
--- @include "idempotency"
if #KEYS > 1 then
  local outcome, owner = keyOwner(KEYS[2], ARGV[3])
  if outcome then return {outcome, owner} end
  claimKey(KEYS[2], ARGV[3], ARGV[1], ARGV[2])
end
createRecord(KEYS[1], ARGV[2], 4)
return {'created', ARGV[1]}
