-- What a user spent today (UTC), by the rule of kb_spent_since in _spending.lua.
--
-- KEYS[1] spending index (kb:user:{id}:spending)
-- KEYS[2] applied hash   (kb:applied:{id})
-- ARGV[1] start of the day, unix seconds
--
-- Returns the credits spent (an integer >= 0).

return kb_spent_since(KEYS[1], KEYS[2], ARGV[1])
