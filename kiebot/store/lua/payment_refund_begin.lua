-- First step of an operator's refund: take the payment's credits back and mark the
-- payment refund_pending, before Telegram is asked to return the Stars. Taking the
-- credits first means the user can never spend credits whose Stars are on their way
-- back; the pending mark means a retry after a crash resumes instead of taking twice.
-- Uses kb_move from _money.lua.
--
-- KEYS[1] payment hash   (kb:payment:{charge_id})
-- KEYS[2] user hash      (kb:user:{id}, the payment's user)
-- KEYS[3] ledger stream  (kb:ledger:{id})
-- KEYS[4] applied hash   (kb:applied:{id})
-- ARGV[1] charge id
-- ARGV[2] user id        (must be the payment's)
-- ARGV[3] force          ("1": take what is there when credits were already spent)
-- ARGV[4] reason         (free text, on the ledger entry)
-- ARGV[5] now            (unix seconds)
--
-- Returns one of
--   {"unknown"}                                no such payment (or not this user's)
--   {"refunded"}                               refunded before; nothing changed
--   {"spent", balance, credits}                balance < credits and not forced; nothing changed
--   {"pending", debit, attempt, balance}       credits taken now (or before, when resuming a
--                                              refund left pending); ask Telegram next

local charge = ARGV[1]
local payment = redis.call('HGETALL', KEYS[1])
if #payment == 0 or redis.call('HGET', KEYS[1], 'user_id') ~= ARGV[2] then
  return {'unknown'}
end
local status = redis.call('HGET', KEYS[1], 'status')
local balance = tonumber(redis.call('HGET', KEYS[2], 'balance') or '0')
if status == 'refunded' then
  return {'refunded'}
end
if status == 'refund_pending' then
  return {'pending', tonumber(redis.call('HGET', KEYS[1], 'refund_debit')),
    tonumber(redis.call('HGET', KEYS[1], 'refund_attempt')), balance}
end
local credits = tonumber(redis.call('HGET', KEYS[1], 'credits'))
local debit = credits
if balance < credits then
  if ARGV[3] ~= '1' then
    return {'spent', balance, credits}
  end
  debit = balance  -- forced: what is left, never below zero
end
local attempt = redis.call('HINCRBY', KEYS[1], 'refund_attempt', 1)
if debit > 0 then
  local moved
  moved, balance = kb_move(KEYS[2], KEYS[3], KEYS[4], 'refund:' .. charge .. ':' .. attempt,
    -debit, 0, 'refund', charge, ARGV[4], ARGV[5])
end
redis.call('HSET', KEYS[1], 'status', 'refund_pending', 'refund_debit', debit,
  'refund_reason', ARGV[4], 'refund_started_at', ARGV[5])
return {'pending', debit, attempt, balance}
