-- What an update says about its sender, remembered in one call: the language the bot
-- speaks to them (their choice in /settings, else their Telegram app's) is kept on the
-- account, and their Telegram username on the account and in the username index. Writes
-- only what changed. Used by the user middleware when this process has not yet seen the
-- user with this language and username (kiebot/account/sender.py).
--
-- KEYS[1] user hash        (kb:user:{id}, fields lang, username)
-- KEYS[2] preferences hash (kb:user:{id}:prefs, field lang: the user's choice)
-- KEYS[3] username index   (kb:usernames, lower-cased name -> user id)
-- ARGV[1] the language Telegram's language_code maps to
-- ARGV[2] the username ('' when the user has none)
-- ARGV[3] the user id
-- ARGV[4] the languages a choice may name, space-separated ("en ru")
--
-- Returns {language, chosen}: the language in use, and the user's choice ('' if none).

local chosen = redis.call('HGET', KEYS[2], 'lang')
if not chosen or not string.find(' ' .. ARGV[4] .. ' ', ' ' .. chosen .. ' ', 1, true) then
  chosen = ''
end
local language = chosen ~= '' and chosen or ARGV[1]
if redis.call('HGET', KEYS[1], 'lang') ~= language then
  redis.call('HSET', KEYS[1], 'lang', language)
end
local name, lower = ARGV[2], string.lower(ARGV[2])
local previous = redis.call('HGET', KEYS[1], 'username') or ''
if previous ~= '' and string.lower(previous) ~= lower then
  -- The old name leaves the index, unless another user holds it by now.
  if redis.call('HGET', KEYS[3], string.lower(previous)) == ARGV[3] then
    redis.call('HDEL', KEYS[3], string.lower(previous))
  end
end
if name == '' then
  if previous ~= '' then
    redis.call('HDEL', KEYS[1], 'username')
  end
else
  if previous ~= name then
    redis.call('HSET', KEYS[1], 'username', name)
  end
  if redis.call('HGET', KEYS[3], lower) ~= ARGV[3] then
    redis.call('HSET', KEYS[3], lower, ARGV[3])  -- a name that moved: its newest owner
  end
end
return {language, chosen}
