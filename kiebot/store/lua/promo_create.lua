-- Create a promo code, unless one by that name exists (a code's terms never change
-- under the users who already redeemed it).
--
-- KEYS[1] promo hash (kb:promo:{CODE})
-- KEYS[2] promo index (kb:promos, set of codes)
-- ARGV[1] code        (normalised: upper case)
-- ARGV[2] credits     (integer >= 1, given to each redeeming user)
-- ARGV[3] uses        (integer >= 1, how many users may redeem it)
-- ARGV[4] expires_at  (unix seconds)
-- ARGV[5] now         (unix seconds, created_at)
--
-- Returns 'created', or 'exists' (nothing changed).

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 'exists'
end
redis.call('HSET', KEYS[1], 'code', ARGV[1], 'credits', ARGV[2], 'uses', ARGV[3],
  'uses_left', ARGV[3], 'expires_at', ARGV[4], 'created_at', ARGV[5])
redis.call('SADD', KEYS[2], ARGV[1])
return 'created'
