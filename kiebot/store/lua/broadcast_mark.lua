-- Record what happened to one recipient of a broadcast, once: a resumed chunk that meets
-- the recipient again changes nothing, so the record's counters stay exact.
--
-- KEYS[1] outcomes hash (kb:broadcast:{id}:sent: user id -> outcome)
-- KEYS[2] record hash   (kb:broadcast:{id}: counters `sent`, `blocked`, `skipped`, `failed`)
-- KEYS[3] blocked users (kb:users:blocked, set)
-- ARGV[1] user id
-- ARGV[2] outcome: sent | blocked (Telegram said 403) | skipped (known blocked) | failed
--
-- Returns 1 when recorded, 0 when the recipient already had an outcome.

if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if ARGV[2] == 'blocked' then
  redis.call('SADD', KEYS[3], ARGV[1])
end
return 1
