-- Move a job to a new state, write its fields, and settle its reservation when the new
-- state is final: all in one step, so a crash never leaves a final job with open money.
-- The transition table lives in kiebot/jobs/states.py; the caller passes the states this
-- move is allowed from. Uses kb_move from _money.lua.
--
-- KEYS[1] job hash      (kb:job:{job_id})
-- KEYS[2] active jobs   (kb:jobs:active)
-- KEYS[3] user's jobs   (kb:user:{id}:jobs)
-- KEYS[4] class queue   (kb:queue:{class})
-- KEYS[5] user hash     (kb:user:{id})
-- KEYS[6] ledger stream (kb:ledger:{id})
-- KEYS[7] applied hash  (kb:applied:{id})
-- KEYS[8] model spend   (kb:models:spend:{model}:{day}, the day the job was reserved)
-- KEYS[9] activity     (kb:activity:{minute}, the minute of `now`): ended jobs by state
-- KEYS[10] model waits  (kb:activity:waits:{model}): submit-to-done seconds, newest first
-- KEYS[11] optional: task key (kb:task:{task_id}), given when the fields set a task id
-- ARGV[1] job id
-- ARGV[2] target state
-- ARGV[3] now           (unix seconds: t_{state} and updated_at)
-- ARGV[4] states the move is allowed from, comma-separated (table, narrowed by expected)
-- ARGV[5] settlement    'capture' | 'release' for a final target state, '' otherwise
-- ARGV[6] task key TTL  (seconds)
-- ARGV[7] activity TTL  (seconds)
-- ARGV[8] waits kept    (the model waits list's length cap)
-- ARGV[9..] fields to write, as field, value pairs
--
-- Returns one of:
--   {'ok', field, value, ...}    moved; the record after the move (HGETALL)
--   {'same', field, value, ...}  already in this final state (a retried or concurrent
--                                identical call); nothing changed, nothing settled again
--   {'invalid', current_state}   the move is not allowed from the current state
--   {'missing'}                  no such job

local unpack = unpack or table.unpack
local job_id, target, now, settlement = ARGV[1], ARGV[2], ARGV[3], ARGV[5]

local current = redis.call('HGET', KEYS[1], 'state')
if not current then
  return {'missing'}
end
if current == target and settlement ~= '' then
  local record = redis.call('HGETALL', KEYS[1])
  table.insert(record, 1, 'same')
  return record
end
local allowed = false
for state in string.gmatch(ARGV[4], '[^,]+') do
  if state == current then
    allowed = true
  end
end
if not allowed then
  return {'invalid', current}
end

-- Settle first: it is the only step that can refuse, and it must refuse before any write.
-- The capture or release key makes it exactly once even if the state check were bypassed.
if settlement ~= '' and redis.call('HEXISTS', KEYS[7], 'reserve:' .. job_id) == 1 then
  local price = tonumber(redis.call('HGET', KEYS[1], 'price'))
  local refund = 0
  if settlement == 'release' then
    refund = price
  end
  local status = kb_move(KEYS[5], KEYS[6], KEYS[7], settlement .. ':' .. job_id,
    refund, -price, settlement, job_id, '', now)
  if status == 'insufficient' then
    return redis.error_reply('held credit is below the price of job ' .. job_id)
  end
  -- [model budget] A released job gives its credits back to its model's day (counted
  -- by job_submit.lua); the job's own field makes it once.
  if settlement == 'release' then
    local counted = redis.call('HGET', KEYS[8], 'job:' .. job_id)
    if counted then
      redis.call('HDEL', KEYS[8], 'job:' .. job_id)
      redis.call('HINCRBY', KEYS[8], 'spent', -tonumber(counted))
    end
  end
  -- [end model budget]
end

redis.call('HSET', KEYS[1], 'state', target, 't_' .. target, now, 'updated_at', now,
  unpack(ARGV, 9))
if current == 'queued' then
  redis.call('LREM', KEYS[4], 0, job_id)
end
if target == 'queued' then
  -- A job handed back by the runner (submitting -> queued) already waited its turn:
  -- it goes to the head of the queue, a new one to the tail.
  if current == 'submitting' then
    redis.call('LPUSH', KEYS[4], job_id)
  else
    redis.call('RPUSH', KEYS[4], job_id)
  end
end
if settlement ~= '' then
  redis.call('SREM', KEYS[2], job_id)
  redis.call('SREM', KEYS[3], job_id)
  -- The owner's balance once the job is settled: a caller comparing it with the
  -- low-balance threshold needs no read of its own when it is above.
  redis.call('HSET', KEYS[1], 'balance_after', redis.call('HGET', KEYS[5], 'balance') or '0')
  -- The admin overview's counts (read by kiebot/ops/activity.py), kept with the move
  -- that ends the job so that each ended job is counted once.
  redis.call('HINCRBY', KEYS[9], target, 1)
  redis.call('EXPIRE', KEYS[9], ARGV[7])
  local waited = tonumber(now) - tonumber(redis.call('HGET', KEYS[1], 'created_at'))
  if target == 'done' and waited >= 0 then
    redis.call('LPUSH', KEYS[10], string.format('%.3f', waited))
    redis.call('LTRIM', KEYS[10], 0, tonumber(ARGV[8]) - 1)
  end
end
if KEYS[11] then
  redis.call('SET', KEYS[11], job_id, 'EX', ARGV[6])
end

local record = redis.call('HGETALL', KEYS[1])
table.insert(record, 1, 'ok')
return record
