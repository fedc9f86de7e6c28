-- A user's referral code: the one they have, or the candidate, registered now.
--
-- KEYS[1] user hash           (kb:user:{id}), field ref_code
-- KEYS[2] referral code index (kb:referral:codes, hash code -> user id)
-- ARGV[1] candidate code      (random, lower case)
-- ARGV[2] user id
--
-- Returns the user's code, or '' when the candidate belongs to someone else already
-- (the caller draws another one).

local existing = redis.call('HGET', KEYS[1], 'ref_code')
if existing then
  return existing
end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then
  return ''
end
redis.call('HSET', KEYS[1], 'ref_code', ARGV[1])
return ARGV[1]
