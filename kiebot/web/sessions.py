"""Admin sessions and the login throttle, both kept in Redis.

A session is a random cookie value; Redis keeps only its SHA-256 (`Keys.admin_session`)
with the session's CSRF token, expiring with the session. Server-side rather than a
signed cookie so that logging out ends the session for real (a copied cookie dies too),
and Redis rather than memory so that a restart keeps the operator logged in.

Failed logins (a wrong token in the form or in a bearer header) are counted per client
address in a fixed window; past the limit the address gets 429 with `Retry-After` until
the window ends. Only failures count, so the operator is never locked out by their own
successful logins and scripts; brute force gets `limit` guesses a minute.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from kiebot.store.keys import Keys
from kiebot.store.replies import optional_text

SESSION_TTL_S = 12 * 3600
FAILURE_LIMIT = 5
FAILURE_WINDOW_S = 60


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser: its cookie value and the CSRF token its forms carry."""

    cookie: str
    csrf: str


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


class AdminSessions:
    def __init__(self, redis: Redis, keys: Keys, *, ttl_s: int = SESSION_TTL_S) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl_s = ttl_s

    async def open(self) -> Session:
        session = Session(cookie=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32))
        key = self._keys.admin_session(_digest(session.cookie))
        await self._redis.set(key, session.csrf, ex=self.ttl_s)
        return session

    async def find(self, cookie: str) -> Session | None:
        if not cookie or len(cookie) > 128:
            return None
        csrf = await self._redis.get(self._keys.admin_session(_digest(cookie)))
        found = optional_text(csrf)
        return Session(cookie=cookie, csrf=found) if found else None

    async def close(self, cookie: str) -> None:
        await self._redis.delete(self._keys.admin_session(_digest(cookie)))


class LoginThrottle:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        limit: int = FAILURE_LIMIT,
        window_s: int = FAILURE_WINDOW_S,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._limit = limit
        self._window_s = window_s

    async def retry_after(self, address: str) -> int | None:
        """Seconds until `address` may try again, or None when it may try now."""
        key = self._keys.admin_failures(address)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            count, ttl = await pipe.execute()
        if count is None or int(count) < self._limit:
            return None
        return max(int(ttl), 1)

    async def failed(self, address: str) -> None:
        key = self._keys.admin_failures(address)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=self._window_s, nx=True)  # the window opens at the first
            pipe.incr(key)  # INCR keeps the TTL
            await pipe.execute()
