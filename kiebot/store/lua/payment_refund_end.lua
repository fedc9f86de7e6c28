-- Last step of a refund, once Telegram answered: "refunded" marks the payment refunded
-- and counts the Stars given back; "refused" (Telegram definitely did not refund) gives
-- the credits taken by payment_refund_begin.lua back and marks the payment paid again.
-- Uses kb_move from _money.lua.
--
-- KEYS[1] payment hash      (kb:payment:{charge_id})
-- KEYS[2] user hash         (kb:user:{id})
-- KEYS[3] ledger stream     (kb:ledger:{id})
-- KEYS[4] applied hash      (kb:applied:{id})
-- KEYS[5] refunded Stars    (kb:revenue:refunded:stars)
-- ARGV[1] charge id
-- ARGV[2] outcome           ("refunded" | "refused")
-- ARGV[3] now               (unix seconds)
-- ARGV[4] note              (why Telegram refused; on the revert's ledger entry)
--
-- Returns {status, balance}: status "refunded", "paid" (reverted) or "not_pending" (the
-- payment was not waiting for this answer; nothing changed).

local balance = tonumber(redis.call('HGET', KEYS[2], 'balance') or '0')
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'refund_pending' then
  return {status == 'refunded' and 'refunded' or 'not_pending', balance}
end
if ARGV[2] == 'refunded' then
  redis.call('HSET', KEYS[1], 'status', 'refunded', 'refunded_at', ARGV[3])
  redis.call('INCRBY', KEYS[5], redis.call('HGET', KEYS[1], 'stars'))
  return {'refunded', balance}
end
local debit = tonumber(redis.call('HGET', KEYS[1], 'refund_debit') or '0')
local attempt = redis.call('HGET', KEYS[1], 'refund_attempt')
if debit > 0 then
  local moved
  moved, balance = kb_move(KEYS[2], KEYS[3], KEYS[4],
    'refund_revert:' .. ARGV[1] .. ':' .. attempt, debit, 0, 'refund_revert', ARGV[1],
    ARGV[4], ARGV[3])
end
redis.call('HSET', KEYS[1], 'status', 'paid')
redis.call('HDEL', KEYS[1], 'refund_debit', 'refund_started_at')
return {'paid', balance}
