-- Redeem a promo code for one user: credit it and take one use, in one step, so two
-- users racing for the last use cannot both get it and one user can never get it
-- twice (op key promo:{CODE} in the user's applied hash). Uses kb_move from _money.lua.
--
-- KEYS[1] promo hash    (kb:promo:{CODE})
-- KEYS[2] user hash     (kb:user:{id})
-- KEYS[3] ledger stream (kb:ledger:{id})
-- KEYS[4] applied hash  (kb:applied:{id})
-- ARGV[1] code          (normalised: upper case)
-- ARGV[2] now           (unix seconds)
--
-- Returns one of (a refusal changes nothing):
--   {'applied', credits, balance}
--   {'unknown'}            no such code
--   {'already', credits}   this user redeemed it before
--   {'expired'}
--   {'used_up'}

local promo = KEYS[1]
if redis.call('EXISTS', promo) == 0 then
  return {'unknown'}
end
local credits = tonumber(redis.call('HGET', promo, 'credits'))
local op = 'promo:' .. ARGV[1]
if redis.call('HEXISTS', KEYS[4], op) == 1 then
  return {'already', credits}
end
if tonumber(redis.call('HGET', promo, 'expires_at')) <= tonumber(ARGV[2]) then
  return {'expired'}
end
if tonumber(redis.call('HGET', promo, 'uses_left')) <= 0 then
  return {'used_up'}
end
local status, balance = kb_move(KEYS[2], KEYS[3], KEYS[4], op, credits, 0, 'promo',
  ARGV[1], '', ARGV[2])
redis.call('HINCRBY', promo, 'uses_left', -1)
return {status, credits, balance}
