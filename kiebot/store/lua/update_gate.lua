-- Let one update of a user through, or say why not: the user is banned, or sends more
-- than `limit` updates of this kind per sliding window. Also decides whether this
-- refusal is the one the user is told about (once per window, once a day when banned).
--
-- KEYS[1] user hash       (kb:user:{id}), field banned
-- KEYS[2] window          (kb:user:{id}:flood:{kind}, sorted set member -> time)
-- KEYS[3] limit told      (kb:user:{id}:flood:{kind}:told, string with a TTL)
-- KEYS[4] banned told     (kb:user:{id}:banned_told, string with a TTL)
-- KEYS[5] optional: preferences hash (kb:user:{id}:prefs), given with KEYS[6] and
--         ARGV[6..9] when the update's sender should be remembered (kb_user_seen in
--         _sender.lua) if the update is let through: one call instead of two
-- KEYS[6] optional: username index (kb:usernames)
-- ARGV[1] now             (unix seconds, float)
-- ARGV[2] member          (the update's id; an album's media group id, so an album
--                          counts once)
-- ARGV[3] limit           (updates per window; 0: this kind is not limited)
-- ARGV[4] window          (seconds)
-- ARGV[5] banned told TTL (seconds)
-- ARGV[6..9] with KEYS[5]: Telegram's language, username, user id, languages (as
--         user_seen.lua's ARGV[1..4])
--
-- Returns one of:
--   {'ok'}                              counted (or not limited); handle it
--   {'ok', language, chosen}            the same, the sender remembered (with KEYS[5]);
--                                       as user_seen.lua returns them
--   {'banned', tell}                    tell: 1 when this is the reply to give
--   {'limited', retry_after, tell}      retry_after: seconds as a string ("12.500")

local function ok()
  if KEYS[5] then
    local seen = kb_user_seen(KEYS[1], KEYS[5], KEYS[6], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
    return {'ok', seen[1], seen[2]}
  end
  return {'ok'}
end

if redis.call('HGET', KEYS[1], 'banned') == '1' then
  local tell = redis.call('SET', KEYS[4], 1, 'NX', 'EX', ARGV[5])
  return {'banned', tell and 1 or 0}
end
local limit = tonumber(ARGV[3])
if limit <= 0 then
  return ok()
end
local now, window = tonumber(ARGV[1]), tonumber(ARGV[4])
local window_ms = math.ceil(window * 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  return ok()  -- counted already: a redelivered update, or the album's next photo
end
local recent = redis.call('ZCARD', KEYS[2])
if recent >= limit then
  -- The user may send again when the entry that keeps them at the limit leaves.
  local blocking = redis.call('ZRANGE', KEYS[2], recent - limit, recent - limit, 'WITHSCORES')
  local retry_after = tonumber(blocking[2]) + window - now
  local tell = redis.call('SET', KEYS[3], 1, 'NX', 'PX', window_ms)
  return {'limited', string.format('%.3f', retry_after), tell and 1 or 0}
end
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('PEXPIRE', KEYS[2], window_ms + 1000)
return ok()
