-- Submit a job: check the user's limits, reserve its price and write the queued record,
-- all or nothing. Refusals write nothing beyond trimming expired rate-window entries and,
-- for a user seen here first, opening the account with the starting grant (as the bot
-- did before submitting when this took two calls). Uses kb_move from _money.lua,
-- kb_open_account from _account.lua, kb_spent_since and kb_record_spending from
-- _spending.lua.
--
-- KEYS[1] user hash      (kb:user:{id})
-- KEYS[2] ledger stream  (kb:ledger:{id})
-- KEYS[3] applied hash   (kb:applied:{id})
-- KEYS[4] job hash       (kb:job:{job_id})
-- KEYS[5] active jobs    (kb:jobs:active, set)
-- KEYS[6] user's jobs    (kb:user:{id}:jobs, set of unfinished job ids)
-- KEYS[7] user history   (kb:user:{id}:history, list, newest first)
-- KEYS[8] class queue    (kb:queue:{class}, list, arrival order)
-- KEYS[9] user submits   (kb:user:{id}:submits, sorted set: job id -> submit time)
-- KEYS[10] recent jobs   (kb:jobs:recent, sorted set: job id -> submit time; admin index)
-- KEYS[11] user spending (kb:user:{id}:spending, sorted set, see _spending.lua)
-- KEYS[12] model spend   (kb:models:spend:{model}:{day}, hash, today's; see keys.py)
-- KEYS[13] new users     (kb:users:new:{YYYY-MM-DD}; only when ARGV[10] is not '')
-- KEYS[14] all users     (kb:users; only when ARGV[10] is not '')
-- ARGV[1] job id
-- ARGV[2] now            (unix seconds, float)
-- ARGV[3] price          (integer credits >= 0)
-- ARGV[4] max active jobs per user
-- ARGV[5] max queue length of the class
-- ARGV[6] rate limit     (submits per window, >= 1)
-- ARGV[7] rate window    (seconds)
-- ARGV[8] history cap
-- ARGV[9] the model's daily budget in credits ('' for none)
-- ARGV[10] starting credits of an account opened here ('': the account must be open)
-- ARGV[11] TTL of the day's new-user count (seconds)
-- ARGV[12] the user id (for the all-users set)
-- ARGV[13..] the job record as field, value pairs (state queued, t_created, t_queued)
--
-- Returns one of:
--   {'ok'}                          reserved, written, enqueued
--   {'duplicate', field, value...}  the job id was submitted before (a retry): its
--                                   record as HGETALL; nothing changed
--   {'too_many_active', limit}
--   {'rate_limited', retry_after}   retry_after: seconds as a string ("12.500")
--   {'queue_full'}
--   {'over_cap', daily_cap, spent_today}   the user's daily spending cap
--   {'over_budget', budget, spent_today}   the model's daily budget (the operator's)
--   {'insufficient', balance}

local unpack = unpack or table.unpack
local job_id = ARGV[1]
local now = tonumber(ARGV[2])
local price = tonumber(ARGV[3])

-- A retry of a submit that already went through returns the job and changes nothing,
-- even if the first attempt has since filled the user's caps.
if redis.call('EXISTS', KEYS[4]) == 1 then
  local record = redis.call('HGETALL', KEYS[4])
  table.insert(record, 1, 'duplicate')
  return record
end
if redis.call('HEXISTS', KEYS[3], 'reserve:' .. job_id) == 1 then
  return {'duplicate'}  -- reserved once, record since deleted: never reserve again
end

if ARGV[10] ~= '' then
  kb_open_account(KEYS[1], KEYS[2], KEYS[3], KEYS[13], KEYS[14], ARGV[2], ARGV[10], ARGV[11],
    ARGV[12])
end

local max_active = tonumber(ARGV[4])
if redis.call('SCARD', KEYS[6]) >= max_active then
  return {'too_many_active', max_active}
end

-- Sliding window: entries older than one window no longer count.
local limit = tonumber(ARGV[6])
local window = tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', now - window)
local recent = redis.call('ZCARD', KEYS[9])
if recent >= limit then
  -- The user may submit again when the entry that keeps them at the limit leaves.
  local blocking = redis.call('ZRANGE', KEYS[9], recent - limit, recent - limit, 'WITHSCORES')
  local retry_after = tonumber(blocking[2]) + window - now
  return {'rate_limited', string.format('%.3f', retry_after)}
end

if redis.call('LLEN', KEYS[8]) >= tonumber(ARGV[5]) then
  return {'queue_full'}
end

-- [daily cap] The user's own spending limit per UTC day (kiebot/billing/spending.py),
-- counted by kb_spent_since (_spending.lua); a job that would pass it is refused and
-- nothing is reserved.
local daily_cap = tonumber(redis.call('HGET', KEYS[1], 'daily_cap') or '')
if daily_cap and price > 0 then
  local spent = kb_spent_since(KEYS[11], KEYS[3], now - now % 86400)
  if spent + price > daily_cap then
    return {'over_cap', daily_cap, spent}
  end
end
-- [end daily cap]

-- [model budget] The operator's budget for the model per UTC day (catalog
-- `daily_budget`, kiebot/catalog/health.py): once the day's spend has reached it the
-- model takes no job (the one that crosses it still runs). Counted below, given back
-- by job_transition.lua on release.
local model_budget = tonumber(ARGV[9])
if model_budget and price > 0 then
  local model_spent = tonumber(redis.call('HGET', KEYS[12], 'spent') or '0')
  if model_spent >= model_budget then
    return {'over_budget', model_budget, model_spent}
  end
end
-- [end model budget]

local status, balance = kb_move(KEYS[1], KEYS[2], KEYS[3], 'reserve:' .. job_id,
  -price, price, 'reservation', job_id, '', ARGV[2])
if status ~= 'applied' then
  return {'insufficient', balance}
end

redis.call('HSET', KEYS[4], unpack(ARGV, 13))
redis.call('SADD', KEYS[5], job_id)
redis.call('SADD', KEYS[6], job_id)
redis.call('LPUSH', KEYS[7], job_id)
redis.call('LTRIM', KEYS[7], 0, tonumber(ARGV[8]) - 1)
redis.call('RPUSH', KEYS[8], job_id)
redis.call('ZADD', KEYS[9], ARGV[2], job_id)
redis.call('EXPIRE', KEYS[9], math.ceil(window) + 1)
if price > 0 then
  kb_record_spending(KEYS[11], job_id, price, now)  -- [daily cap] its index
  -- [model budget] today's spend on the model, and this job's part of it
  redis.call('HINCRBY', KEYS[12], 'spent', price)
  redis.call('HSET', KEYS[12], 'job:' .. job_id, price)
  redis.call('EXPIRE', KEYS[12], 2 * 86400)
end

-- [admin index] Every job, newest last, for the admin console's job list. Capped: the
-- oldest ids fall off (their records stay). The cap is store/keys.py's RECENT_JOBS_CAP.
local RECENT_JOBS_CAP = 20000
redis.call('ZADD', KEYS[10], ARGV[2], job_id)
redis.call('ZREMRANGEBYRANK', KEYS[10], 0, -RECENT_JOBS_CAP - 1)
-- [end admin index]
return {'ok'}
