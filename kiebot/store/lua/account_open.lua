-- Open a user's account and give the starting grant, exactly once per user.
-- Cheap when the account exists: two reads, no writes. Uses kb_move from _money.lua.
--
-- KEYS[1] user hash     (kb:user:{id})
-- KEYS[2] ledger stream (kb:ledger:{id})
-- KEYS[3] applied hash  (kb:applied:{id})
-- KEYS[4] new users     (kb:users:new:{YYYY-MM-DD}, today's count of first sightings)
-- KEYS[5] all users     (kb:users, set: the broadcast audience)
-- ARGV[1] now              (unix seconds, created_at of a new account)
-- ARGV[2] starting credits (integer >= 0; 0 opens the account without a ledger entry)
-- ARGV[3] TTL of the day's new-user count (seconds)
-- ARGV[4] the user id (for the all-users set)
-- ARGV[5] how many of the latest ledger entries to return too (0: none), so that /balance
--         costs one round trip
--
-- Returns {user hash as a flat list {field, value, ...} (HGETALL) after the grant,
--          the latest ARGV[5] ledger entries, newest first (XREVRANGE)}.

local function opened()
  local entries = {}
  local count = tonumber(ARGV[5]) or 0
  if count > 0 then
    entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', count)
  end
  return {redis.call('HGETALL', KEYS[1]), entries}
end

if redis.call('HGET', KEYS[1], 'granted') == '1' then
  return opened()
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
-- [new users] The first sighting by the bot (an operator may have opened it earlier).
redis.call('INCR', KEYS[4])
redis.call('EXPIRE', KEYS[4], ARGV[3])
-- [end new users]
redis.call('SADD', KEYS[5], ARGV[4])
return opened()
