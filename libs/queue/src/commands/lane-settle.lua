-- A worker gives back a lane entry it took (lane/lane-consumer.ts). KEYS: the worker's taken list,
-- the lane's wait list, the lane's dead list. ARGV: 'retry' or 'dead', the entry as taken, the entry
-- to put back (its attempt counted). 'retry' puts it at the taking end of the wait list (it is the
-- oldest there); 'dead' hands it to the dead list, whose entries get CHUNK_FAILED lines. Nothing
-- moves when the entry is no longer in the taken list (the worker's lease lapsed and another worker
-- requeued it). Returns 1 when it moved.
if redis.call('LREM', KEYS[1], 1, ARGV[2]) == 0 then return 0 end
if ARGV[1] == 'retry' then
  redis.call('RPUSH', KEYS[2], ARGV[3])
else
  redis.call('RPUSH', KEYS[3], ARGV[3])
end
return 1
