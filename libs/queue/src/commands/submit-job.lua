-- Admission in texts and the job record in one round trip (JobProducer.submit when admission applies),
-- and for a POST /v1/classify call on one Redis its chunk queued on the interactive lane too.
-- KEYS: the priority's queued-texts hash, its drain hash, the other priority's queued-texts hash,
-- the job's meta, the interactive lane's wait list, [the tenant's idempotency key]. ARGV: n, then the
-- n arguments of reserve-texts (limit … chunk id / texts pairs), then the lane entry ('' for none:
-- the chunks are queued after), job id, ttl seconds, payload digest, the record's field/value pairs.
-- Returns {outcome, job id, admitted, queued, limit, tenant queued, refused by}: 'existing' /
-- 'conflict' as create-job (nothing reserved: the job named is admitted under its own id),
-- 'refused' (the reservation's answer; nothing written) or 'created' (reserved and recorded, and
-- the lane entry pushed after the record).
--- @include "reserve"
--- @include "create-record"
--- @include "idempotency"
local n = tonumber(ARGV[1])
local entry = ARGV[n + 2]
local id = n + 3
if #KEYS > 5 then
  local outcome, owner = keyOwner(KEYS[6], ARGV[id + 2])
  if outcome then return {outcome, owner, 0, 0, 0, 0, 0} end
end
local r = reserveTexts({KEYS[1], KEYS[2], KEYS[3]}, {unpack(ARGV, 2, n + 1)})
if r[1] == 0 then return {'refused', '', r[1], r[2], r[3], r[4], r[5]} end
if #KEYS > 5 then claimKey(KEYS[6], ARGV[id + 2], ARGV[id], ARGV[id + 1]) end
createRecord(KEYS[4], ARGV[id + 1], id + 3)
if entry ~= '' then redis.call('LPUSH', KEYS[5], entry) end
return {'created', ARGV[id], r[1], r[2], r[3], r[4], r[5]}
