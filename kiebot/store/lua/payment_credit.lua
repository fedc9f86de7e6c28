-- Credit one Telegram Stars payment exactly once, keyed by its charge id, and in the same
-- call store the payment record, count the revenue and (for a subscription) its state.
-- Uses kb_move from _money.lua: a redelivered successful_payment finds the op key applied
-- and changes nothing at all (no second record, no second revenue count).
--
-- KEYS[1] user hash          (kb:user:{id})
-- KEYS[2] ledger stream      (kb:ledger:{id})
-- KEYS[3] applied hash       (kb:applied:{id})
-- KEYS[4] payment hash       (kb:payment:{charge_id})
-- KEYS[5] user's payments    (kb:user:{id}:payments, list, newest first)
-- KEYS[6] revenue of the day (kb:revenue:stars:{YYYY-MM-DD}, UTC)
-- KEYS[7] revenue total      (kb:revenue:stars:total)
-- KEYS[8] subscription hash  (kb:user:{id}:subscription; written for kind subscription)
-- ARGV[1] charge id          (telegram_payment_charge_id)
-- ARGV[2] user id
-- ARGV[3] kind               (pack | subscription)
-- ARGV[4] pack id            (empty for a subscription)
-- ARGV[5] stars paid
-- ARGV[6] credits to grant   (bonus included)
-- ARGV[7] bonus              (part of ARGV[6])
-- ARGV[8] now                (unix seconds)
-- ARGV[9] subscription expiration (unix seconds; 0 when not a subscription)
-- ARGV[10] "1" for the first payment of a subscription
--
-- Returns {status, balance, entry_id}: status "applied" or "duplicate" (see kb_move).

local charge, user_id, kind = ARGV[1], ARGV[2], ARGV[3]
local credits, now = tonumber(ARGV[6]), ARGV[8]
local status, balance, entry_id = kb_move(KEYS[1], KEYS[2], KEYS[3], 'payment:' .. charge,
  credits, 0, 'payment', charge, kind == 'pack' and ('pack ' .. ARGV[4]) or kind, now)
if status ~= 'applied' then
  return {status, balance, entry_id}
end
redis.call('HSET', KEYS[4], 'user_id', user_id, 'kind', kind, 'pack', ARGV[4],
  'stars', ARGV[5], 'credits', credits, 'bonus', ARGV[7], 'time', now, 'status', 'paid')
redis.call('LPUSH', KEYS[5], charge)
redis.call('INCRBY', KEYS[6], ARGV[5])
redis.call('INCRBY', KEYS[7], ARGV[5])
if kind == 'subscription' then
  -- The first payment names the subscription (editUserStarSubscription takes its charge
  -- id); a renewal only moves the expiration forward.
  if ARGV[10] == '1' or redis.call('HEXISTS', KEYS[8], 'charge_id') == 0 then
    redis.call('HSET', KEYS[8], 'charge_id', charge, 'cancelled', 0)
  end
  local expires = tonumber(redis.call('HGET', KEYS[8], 'expires_at') or '0')
  if tonumber(ARGV[9]) > expires then
    expires = tonumber(ARGV[9])
  end
  redis.call('HSET', KEYS[8], 'last_charge_id', charge, 'credits', credits,
    'stars', ARGV[5], 'expires_at', expires)
end
return {status, balance, entry_id}
