"""Telegram usernames on accounts, so the operator can find a user by `@name`.

Telegram tells us a user's username with each update and the user may change it any
time, so the user middleware hands it over on every update (`account.Senders`, in one
script with the language, `user_seen.lua`); Redis is written only when it differs from
what this process last wrote (a bounded cache here), as with the language.
The index (`Keys.usernames`) maps the lower-cased name to the id, as Telegram usernames
are case-insensitive; a name that moved to another user points at the newest owner.
"""

from __future__ import annotations

from redis.asyncio import Redis

from kiebot.store.keys import Keys
from kiebot.store.replies import optional_text

CACHE_SIZE = 10_000


class Usernames:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._seen: dict[int, str] = {}

    def known(self, user_id: int, username: str | None) -> bool:
        """Whether the account holds this username (None or "": none) as far as this
        process knows; when not, `account.Senders` writes it (`user_seen.lua`)."""
        return self._seen.get(user_id) == (username or "")

    def learned(self, user_id: int, username: str | None) -> None:
        """Record that the account and the index now hold `username`."""
        if len(self._seen) >= CACHE_SIZE:  # bounded: memory must not grow with users
            self._seen.pop(next(iter(self._seen)))
        self._seen[user_id] = username or ""

    async def find(self, username: str) -> int | None:
        """The user id of `@username` (with or without the @), or None."""
        name = username.strip().removeprefix("@").lower()
        if not name:
            return None
        found = optional_text(await self._redis.hget(self._keys.usernames, name))
        return int(found) if found else None

    async def of(self, user_id: int) -> str | None:
        return optional_text(await self._redis.hget(self._keys.user(user_id), "username"))

    async def forget(self, user_id: int) -> None:
        """Drop the user's username from the account, the index (while it still points
        at this user) and this process's memory, for a data-deletion request; the next
        update the user sends stores the name Telegram shows then, as for a new user."""
        user_key = self._keys.user(user_id)
        name = optional_text(await self._redis.hget(user_key, "username"))
        async with self._redis.pipeline(transaction=True) as pipe:
            if name and await self.find(name) == user_id:
                pipe.hdel(self._keys.usernames, name.lower())
            pipe.hdel(user_key, "username")
            await pipe.execute()
        self._seen.pop(user_id, None)
