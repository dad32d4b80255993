-- Writes a new job record: ARGV from index `first` on are its field/value pairs, as
-- job-record.ts `newRecordFields` lists them (the one list of a record's starting fields, for
-- jobs and backfills alike), then gives the record its TTL.
local function createRecord(key, ttl, first)
  redis.call('HSET', key, unpack(ARGV, first))
  redis.call('EXPIRE', key, ttl)
end
