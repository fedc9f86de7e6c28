-- Library, not a script: the one money movement, prepended (by kiebot/store/scripts.py)
-- to every script that moves credits, so the ledger is written in exactly one way.
--
-- kb_move(user, ledger, applied, op, d_balance, d_held, kind, ref, reason, now)
--   user, ledger, applied  the user hash, ledger stream and applied hash keys
--   op                     idempotency key, recorded in the applied hash
--   d_balance, d_held      signed changes of `balance` and `held`; the ledger entry's
--                          amount is d_balance, so balance stays the sum of the ledger
--   kind, ref, reason      the entry's type, reference and free-text reason
--   now                    unix seconds, `created_at` of an account made here
-- Returns status, balance, entry_id:
--   'applied'      the movement was written now; balance is the new balance
--   'duplicate'    op was applied before; nothing changed; entry_id is the earlier entry
--   'insufficient' balance or held would go below zero; nothing changed
local function kb_move(user, ledger, applied, op, d_balance, d_held, kind, ref, reason, now)
  -- Adding 0 turns a negative zero (-price for a free job) into 0: Redis would refuse
  -- "-0" as the HINCRBY increment, and the ledger would show it.
  d_balance, d_held = d_balance + 0, d_held + 0
  local existing = redis.call('HGET', applied, op)
  local balance = tonumber(redis.call('HGET', user, 'balance') or '0')
  if existing then
    return 'duplicate', balance, existing
  end
  local held = tonumber(redis.call('HGET', user, 'held') or '0')
  if balance + d_balance < 0 or held + d_held < 0 then
    return 'insufficient', balance, ''
  end
  if redis.call('EXISTS', user) == 0 then
    redis.call('HSET', user, 'balance', 0, 'held', 0, 'created_at', now)
  end
  balance = redis.call('HINCRBY', user, 'balance', d_balance)
  if d_held ~= 0 then
    redis.call('HINCRBY', user, 'held', d_held)
  end
  local entry_id = redis.call('XADD', ledger, '*', 'type', kind, 'amount', d_balance,
    'balance', balance, 'ref', ref, 'reason', reason)
  redis.call('HSET', applied, op, entry_id)
  return 'applied', balance, entry_id
end
