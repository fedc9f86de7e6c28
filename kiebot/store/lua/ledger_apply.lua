-- Apply one ledger movement to a user's balance, exactly once (grants, adjustments,
-- payments: anything that is not a job's reservation). Uses kb_move from _money.lua.
--
-- KEYS[1] user hash     (kb:user:{id})       fields balance, held, created_at
-- KEYS[2] ledger stream (kb:ledger:{id})
-- KEYS[3] applied hash  (kb:applied:{id})    operation key -> ledger entry id
-- ARGV[1] operation key (idempotency: job id, payment charge id, ...)
-- ARGV[2] amount        (signed integer credits)
-- ARGV[3] entry type    (grant, adjustment, ...)
-- ARGV[4] reference     (what caused it, e.g. an admin name or a job id)
-- ARGV[5] reason        (free text, may be empty)
-- ARGV[6] now           (unix seconds, for created_at of a new user)
--
-- Returns {status, balance, entry_id}:
--   status "applied"      the movement was written now
--   status "duplicate"    the operation key was applied before; nothing changed
--   status "insufficient" a deduction would take the balance below zero; nothing changed

local status, balance, entry_id = kb_move(KEYS[1], KEYS[2], KEYS[3], ARGV[1],
  tonumber(ARGV[2]), 0, ARGV[3], ARGV[4], ARGV[5], ARGV[6])
return {status, balance, entry_id}
