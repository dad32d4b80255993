// Lua scripts for the state changes that must be atomic: creating a job under an idempotency
// key, starting a chunk, and storing a chunk's results exactly once with its counters.

/**
 * KEYS: meta, [idempotency]. ARGV: jobId, ttlSeconds, then field/value pairs of the meta hash.
 * Returns the id of the job that owns the key: the new one, or the one created earlier.
 */
export const CREATE_JOB = `
if #KEYS > 1 then
  local existing = redis.call('GET', KEYS[2])
  if existing then return existing end
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return ARGV[1]
`;

/**
 * KEYS: meta, results. ARGV: chunk index, now (ms).
 * Returns {exists, cancelled, stored}; marks the job started when it exists and is not cancelled.
 */
export const BEGIN_CHUNK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, 0} end
local stored = redis.call('HEXISTS', KEYS[2], ARGV[1])
local cancelled = redis.call('HEXISTS', KEYS[1], 'cancelled_at')
if stored == 0 and cancelled == 0 then redis.call('HSETNX', KEYS[1], 'started_at', ARGV[2]) end
return {1, cancelled, stored}
`;

/**
 * KEYS: meta, results. ARGV: chunk index, payload, items, failed, cancelled, ttlSeconds, now (ms),
 * finished channel, job id, model id ('' when none).
 * Returns 1 when stored, 0 when the chunk was already stored (a rerun), -1 when the job is gone.
 * The counters move only with the HSETNX that wins, so a rerun can never count or store twice.
 */
export const STORE_CHUNK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
-- A job with a TTL of its own (a /v1/classify call: CLASSIFY_RESULT_TTL_SECONDS) keeps it.
local ttl = redis.call('HGET', KEYS[1], 'ttl') or ARGV[6]
redis.call('HINCRBY', KEYS[1], 'done', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'failed', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'cancelled', ARGV[5])
if ARGV[10] ~= '' then redis.call('HSETNX', KEYS[1], 'model', ARGV[10]) end
local chunksDone = redis.call('HINCRBY', KEYS[1], 'chunks_done', 1)
redis.call('EXPIRE', KEYS[2], ttl)
-- A streamed backfill has no chunk count until its upload ends (the seal script finishes it then).
local chunks = redis.call('HGET', KEYS[1], 'chunks')
if chunks and chunksDone >= tonumber(chunks) then
  redis.call('HSET', KEYS[1], 'finished_at', ARGV[7])
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('PUBLISH', ARGV[8], ARGV[9])
end
return 1
`;

/**
 * Lua shared by the admission scripts: `clock(arg)` is the time in ms (ARGV value, else Redis TIME:
 * one clock for the whole fleet), and `roll(drain, sec)` starts a new one-second bucket of the drain
 * hash. A second in which the queue never ran empty (`sat`) measured what the workers take per
 * second: it feeds the capacity estimate `cap` (texts/s, moving average).
 */
const DRAIN_LUA = `
local function clock(arg)
  local now = tonumber(arg)
  if now then return now end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function roll(drain, sec)
  local at = tonumber(redis.call('HGET', drain, 'sec') or '-1')
  if at == sec then return end
  if at == sec - 1 and redis.call('HGET', drain, 'sat') == '1' then
    local cur = tonumber(redis.call('HGET', drain, 'cur') or '0')
    local cap = tonumber(redis.call('HGET', drain, 'cap') or '0')
    if cap > 0 then cap = 0.5 * cap + 0.5 * cur else cap = cur end
    redis.call('HSET', drain, 'cap', tostring(cap))
  end
  redis.call('HSET', drain, 'sec', sec, 'cur', 0, 'sat', 1)
end
`;

/**
 * Admission in texts. KEYS: the priority's queued-texts hash, its drain hash. ARGV: limit,
 * deadline ms (0: limit only), deadline share, now ms ('' = Redis TIME), then chunk id / texts pairs
 * of the chunks about to be queued. With a measured capacity, the limit drops to what the workers
 * take within the share of the deadline. Refuses ({0, queued, limit}) when texts are queued already
 * and these would take the sum over the limit (a job bigger than it still runs on an empty queue);
 * else records the chunks not recorded yet and returns {1, queued, limit}.
 */
export const RESERVE_TEXTS = `${DRAIN_LUA}
local now = clock(ARGV[4])
local total = tonumber(redis.call('HGET', KEYS[1], '#texts') or '0')
local add = 0
local fresh = {}
for i = 5, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then
    add = add + tonumber(ARGV[i + 1])
    fresh[#fresh + 1] = i
  end
end
local limit = tonumber(ARGV[1])
local deadline = tonumber(ARGV[2])
if deadline > 0 then
  local cap = tonumber(redis.call('HGET', KEYS[2], 'cap') or '0')
  if cap > 0 then limit = math.max(1, math.min(limit, math.floor(cap * deadline / 1000 * tonumber(ARGV[3])))) end
end
if total > 0 and total + add > limit then return {0, total, limit} end
if total == 0 then
  -- The queue was idle: this second says nothing about the workers' capacity.
  roll(KEYS[2], math.floor(now / 1000))
  redis.call('HSET', KEYS[2], 'sat', 0)
end
for _, i in ipairs(fresh) do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if add > 0 then total = redis.call('HINCRBY', KEYS[1], '#texts', add) end
return {1, total, limit}
`;

/**
 * KEYS: queued-texts hash and drain hash of the interactive queue, then of the bulk queue. ARGV: now
 * ms ('' = Redis TIME), '1' when a worker picked the chunks up ('0': removed from the queue, or never
 * queued), then the chunk ids. Each chunk is released once (its field goes); pickups are counted in
 * their queue's drain bucket. Returns the texts released.
 */
export const RELEASE_TEXTS = `${DRAIN_LUA}
local sec = math.floor(clock(ARGV[1]) / 1000)
local pickup = ARGV[2] == '1'
local released = 0
for k = 1, #KEYS, 2 do
  local key, drain = KEYS[k], KEYS[k + 1]
  local n = 0
  for i = 3, #ARGV do
    local v = redis.call('HGET', key, ARGV[i])
    if v then
      redis.call('HDEL', key, ARGV[i])
      n = n + tonumber(v)
    end
  end
  if n > 0 then
    released = released + n
    if pickup then
      roll(drain, sec)
      redis.call('HINCRBY', drain, 'cur', n)
    end
    if redis.call('HINCRBY', key, '#texts', -n) <= 0 then
      redis.call('HDEL', key, '#texts')
      if pickup then redis.call('HSET', drain, 'sat', 0) end
    end
  end
end
return released
`;
