-- Apply one ledger movement to a user's balance, exactly once.
--
-- KEYS[1] user hash     (kb:user:{id})       fields balance, held, created_at
-- KEYS[2] ledger stream (kb:ledger:{id})
-- KEYS[3] applied hash  (kb:applied:{id})    operation key -> ledger entry id
-- ARGV[1] operation key (idempotency: job id, payment charge id, ...)
-- ARGV[2] amount        (signed integer credits)
-- ARGV[3] entry type    (grant, adjustment, ...)
-- ARGV[4] reference     (what caused it, e.g. an admin name or a job id)
-- ARGV[5] reason        (free text, may be empty)
-- ARGV[6] now           (unix seconds, for created_at of a new user)
--
-- Returns {status, balance, entry_id}:
--   status "applied"      the movement was written now
--   status "duplicate"    the operation key was applied before; nothing changed
--   status "insufficient" a deduction would take the balance below zero; nothing changed

local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then
  return {'duplicate', tonumber(redis.call('HGET', KEYS[1], 'balance') or '0'), existing}
end

local amount = tonumber(ARGV[2])
local balance = tonumber(redis.call('HGET', KEYS[1], 'balance') or '0')
if balance + amount < 0 then
  return {'insufficient', balance, ''}
end

if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'balance', 0, 'held', 0, 'created_at', ARGV[6])
end
balance = redis.call('HINCRBY', KEYS[1], 'balance', amount)
local entry_id = redis.call('XADD', KEYS[2], '*',
  'type', ARGV[3], 'amount', amount, 'balance', balance, 'ref', ARGV[4], 'reason', ARGV[5])
redis.call('HSET', KEYS[3], ARGV[1], entry_id)
return {'applied', balance, entry_id}
