-- Library, not a script: opening a user's account with the starting grant, prepended (by
-- kiebot/store/scripts.py) after _money.lua to the scripts that may see a user first:
-- account_open.lua, and job_submit.lua (a user's first update can be a prompt).
--
-- kb_open_account(user, ledger, applied, new_users, users, now, credits, ttl, user_id)
--   user, ledger, applied  the user hash, ledger stream and applied hash keys
--   new_users, users       today's count of first sightings, the set of all users
--   now                    unix seconds, `created_at` of the account
--   credits                the starting grant (integer >= 0; 0 opens without an entry)
--   ttl                    seconds the day's count is kept
--   user_id                the id added to the set of all users
-- Cheap when the account is open: one read, no write. The grant is given once per user
-- (op key `grant:start`), also to a user an operator credited before they wrote.
local function kb_open_account(user, ledger, applied, new_users, users, now, credits, ttl,
                               user_id)
  if redis.call('HGET', user, 'granted') == '1' then
    return
  end
  redis.call('HSETNX', user, 'balance', 0)
  redis.call('HSETNX', user, 'held', 0)
  redis.call('HSETNX', user, 'created_at', now)
  redis.call('HSETNX', user, 'banned', 0)
  if tonumber(credits) > 0 then
    kb_move(user, ledger, applied, 'grant:start', tonumber(credits), 0, 'grant', 'start', '',
      now)
  end
  redis.call('HSET', user, 'granted', 1)
  -- The first sighting by the bot (an operator may have opened the account earlier).
  redis.call('INCR', new_users)
  redis.call('EXPIRE', new_users, ttl)
  redis.call('SADD', users, user_id)
end
