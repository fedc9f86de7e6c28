-- Write non-state fields of an existing job (status message id, attempts, ...) without
-- ever creating a partial record for a job that does not exist.
--
-- KEYS[1] job hash (kb:job:{job_id})
-- ARGV[1] now      (unix seconds: updated_at)
-- ARGV[2..] fields to write, as field, value pairs
--
-- Returns 1 when written, 0 when there is no such job.

local unpack = unpack or table.unpack
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[1], unpack(ARGV, 2))
return 1
