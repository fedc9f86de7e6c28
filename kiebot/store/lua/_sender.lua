-- Library, not a script: what an update says about its sender, remembered. Prepended (by
-- kiebot/store/scripts.py) to user_seen.lua, and to update_gate.lua, which remembers it
-- with the gate's own call for an update the gate lets through.
--
-- The language the bot speaks to the user (their choice in /settings, else their Telegram
-- app's) is kept on the account, and their Telegram username on the account and in the
-- username index. Writes only what changed (kiebot/account/sender.py).
--
-- kb_user_seen(user, prefs, usernames, telegram_language, username, user_id, languages)
--   user, prefs, usernames  the user hash (lang, username), the preferences hash (lang:
--                           the user's choice) and the username index (lower-cased
--                           name -> user id)
--   telegram_language       the language Telegram's language_code maps to
--   username                the username ('' when the user has none)
--   user_id                 the user id
--   languages               the languages a choice may name, space-separated ("en ru")
-- Returns {language, chosen}: the language in use, and the user's choice ('' if none).
local function kb_user_seen(user, prefs, usernames, telegram_language, username, user_id,
                            languages)
  local chosen = redis.call('HGET', prefs, 'lang')
  if not chosen or not string.find(' ' .. languages .. ' ', ' ' .. chosen .. ' ', 1, true) then
    chosen = ''
  end
  local language = chosen ~= '' and chosen or telegram_language
  if redis.call('HGET', user, 'lang') ~= language then
    redis.call('HSET', user, 'lang', language)
  end
  local name, lower = username, string.lower(username)
  local previous = redis.call('HGET', user, 'username') or ''
  if previous ~= '' and string.lower(previous) ~= lower then
    -- The old name leaves the index, unless another user holds it by now.
    if redis.call('HGET', usernames, string.lower(previous)) == user_id then
      redis.call('HDEL', usernames, string.lower(previous))
    end
  end
  if name == '' then
    if previous ~= '' then
      redis.call('HDEL', user, 'username')
    end
  else
    if previous ~= name then
      redis.call('HSET', user, 'username', name)
    end
    if redis.call('HGET', usernames, lower) ~= user_id then
      redis.call('HSET', usernames, lower, user_id)  -- a name that moved: its newest owner
    end
  end
  return {language, chosen}
end
