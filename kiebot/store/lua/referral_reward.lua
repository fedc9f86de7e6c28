-- Pay the referrer's bonus for a referred user's payment: once ever per referred user
-- (op key referral:{referred_id} in the referrer's applied hash), so only the first
-- payment pays and a redelivered payment update pays nothing. Uses kb_move.
--
-- KEYS[1] referred user's hash (kb:user:{referred_id}), field referred_by
-- KEYS[2] referrer's user hash (kb:user:{referrer_id})
-- KEYS[3] referrer's ledger    (kb:ledger:{referrer_id})
-- KEYS[4] referrer's applied   (kb:applied:{referrer_id})
-- KEYS[5] referrer's stats     (kb:referral:{referrer_id})
-- ARGV[1] referred user id
-- ARGV[2] referrer id          (as read from referred_by before the call)
-- ARGV[3] bonus                (integer >= 1)
-- ARGV[4] now                  (unix seconds)
--
-- Returns {status, balance}: status 'applied' (paid now; balance is the referrer's new
-- balance), 'duplicate' (paid before) or 'none' (the user was not referred by him).

if redis.call('HGET', KEYS[1], 'referred_by') ~= ARGV[2] then
  return {'none', 0}
end
local status, balance = kb_move(KEYS[2], KEYS[3], KEYS[4], 'referral:' .. ARGV[1],
  tonumber(ARGV[3]), 0, 'referral', ARGV[1], '', ARGV[4])
if status == 'applied' then
  redis.call('HINCRBY', KEYS[5], 'paid', 1)
  redis.call('HINCRBY', KEYS[5], 'earned', ARGV[3])
end
return {status, balance}
