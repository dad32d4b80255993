-- A tenant's idempotency key holds `<payload digest>:<job id>`. `keyOwner(key, digest)` answers
-- 'existing', <job id> when the key names a job with the same payload, 'conflict' when it names one
-- with another payload (whose id is not returned, so the caller cannot leak it), nil when it is free;
-- `claimKey(key, digest, jobId, ttl)` takes a free key for a new job.
local function keyOwner(key, digest)
  local existing = redis.call('GET', key)
  if not existing then return nil end
  local stored, owner = string.match(existing, '^([^:]*):(.+)$')
  if owner and stored == digest then return 'existing', owner end
  return 'conflict', ''
end

local function claimKey(key, digest, jobId, ttl)
  redis.call('SET', key, digest .. ':' .. jobId, 'EX', ttl)
end
