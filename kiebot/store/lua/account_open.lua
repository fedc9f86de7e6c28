-- Open a user's account and give the starting grant, exactly once per user.
-- Cheap when the account exists: two reads, no writes. Uses kb_open_account from
-- _account.lua.
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

kb_open_account(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2], ARGV[3],
  ARGV[4])
return opened()
