-- Open a user's account and give the starting grant, exactly once per user.
-- Cheap when the account exists: two reads, no writes. Uses kb_move from _money.lua.
--
-- KEYS[1] user hash     (kb:user:{id})
-- KEYS[2] ledger stream (kb:ledger:{id})
-- KEYS[3] applied hash  (kb:applied:{id})
-- ARGV[1] now              (unix seconds, created_at of a new account)
-- ARGV[2] starting credits (integer >= 0; 0 opens the account without a ledger entry)
--
-- Returns the user hash as a flat list {field, value, ...} (HGETALL), after the grant.

if redis.call('HGET', KEYS[1], 'granted') == '1' then
  return redis.call('HGETALL', KEYS[1])
end
-- An account may exist without the grant: an operator credited the user first.
redis.call('HSETNX', KEYS[1], 'balance', 0)
redis.call('HSETNX', KEYS[1], 'held', 0)
redis.call('HSETNX', KEYS[1], 'created_at', ARGV[1])
redis.call('HSETNX', KEYS[1], 'banned', 0)
local credits = tonumber(ARGV[2])
if credits > 0 then
  kb_move(KEYS[1], KEYS[2], KEYS[3], 'grant:start', credits, 0, 'grant', 'start', '', ARGV[1])
end
redis.call('HSET', KEYS[1], 'granted', 1)
return redis.call('HGETALL', KEYS[1])
