-- Should the user hear that their balance is low? Yes once per crossing: when the
-- balance is below the threshold and either no notice was ever given or the balance
-- has been at or above the threshold since the last one (a ledger entry after the
-- notice shows it). Remembers the notice as the id of the latest ledger entry.
--
-- KEYS[1] user hash     (kb:user:{id}), fields balance, low_notice (ledger entry id)
-- KEYS[2] ledger stream (kb:ledger:{id})
-- ARGV[1] threshold     (integer >= 1)
--
-- Returns the balance when a notice is due (now remembered), or -1.

local threshold = tonumber(ARGV[1])
local balance = tonumber(redis.call('HGET', KEYS[1], 'balance') or '0')
if balance >= threshold then
  return -1
end
local mark = redis.call('HGET', KEYS[1], 'low_notice')
if mark then
  local rearmed = false
  local from = '(' .. mark
  while not rearmed do
    local entries = redis.call('XRANGE', KEYS[2], from, '+', 'COUNT', 100)
    if #entries == 0 then
      break
    end
    for _, entry in ipairs(entries) do
      for i = 1, #entry[2], 2 do
        if entry[2][i] == 'balance' and tonumber(entry[2][i + 1]) >= threshold then
          rearmed = true
        end
      end
    end
    from = '(' .. entries[#entries][1]
  end
  if not rearmed then
    return -1
  end
end
local latest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
redis.call('HSET', KEYS[1], 'low_notice', latest[1] and latest[1][1] or '0-0')
return balance
