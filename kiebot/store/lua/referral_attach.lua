-- Record who referred a user, once, and only when the user is new: called before the
-- account is opened, it finds no starting grant given and no money moved yet (so the
-- user never used the bot before this /start).
--
-- KEYS[1] user hash       (kb:user:{id}), fields referred_by, granted
-- KEYS[2] applied hash    (kb:applied:{id}): the user's money operations so far
-- KEYS[3] referrer stats  (kb:referral:{referrer_id}, hash joined, paid, earned)
-- ARGV[1] referrer id
-- ARGV[2] user id
--
-- Returns 'attached', or why not (nothing changed): 'self', 'already_referred',
-- 'not_new'.

if ARGV[1] == ARGV[2] then
  return 'self'
end
if redis.call('HEXISTS', KEYS[1], 'referred_by') == 1 then
  return 'already_referred'
end
if redis.call('HGET', KEYS[1], 'granted') == '1' or redis.call('HLEN', KEYS[2]) > 0 then
  return 'not_new'
end
redis.call('HSET', KEYS[1], 'referred_by', ARGV[1])
redis.call('HINCRBY', KEYS[3], 'joined', 1)
return 'attached'
