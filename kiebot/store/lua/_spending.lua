-- Library, not a script: what a user spent since a time, prepended (by
-- kiebot/store/scripts.py) to the scripts that need it.
--
-- Spending is indexed by reservation time in the sorted set kb:user:{id}:spending
-- (member "{job_id}|{price}", score: the job store's clock at the reservation), written
-- by job_submit.lua; whether a reservation was given back is the ledger's own record,
-- the release op key in the applied hash.
--
-- kb_spent_since(spending, applied, since)
--   spending  the user's spending index key
--   applied   the user's applied hash key
--   since     unix seconds (the start of the UTC day)
-- Returns the credits reserved since `since` and not released: a job's price counts on
-- the day it was reserved, held or captured alike; its release, whenever it comes,
-- takes it out of that day (so a release today of yesterday's job changes nothing today).
local function kb_spent_since(spending, applied, since)
  local spent = 0
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', spending, since, '+inf')) do
    local job_id, price = string.match(member, '^(.*)|(%d+)$')
    if redis.call('HEXISTS', applied, 'release:' .. job_id) == 0 then
      spent = spent + tonumber(price)
    end
  end
  return spent
end

-- kb_record_spending(spending, job_id, price, now): index a reservation just made, and
-- forget those older than two days (only today's are ever counted).
local function kb_record_spending(spending, job_id, price, now)
  redis.call('ZADD', spending, now, job_id .. '|' .. price)
  redis.call('ZREMRANGEBYSCORE', spending, '-inf', now - 2 * 86400)
  redis.call('EXPIRE', spending, 2 * 86400)
end
