"""The user's daily spending cap: at most N credits per UTC day, set by the user.

The cap is enforced where credits are reserved, inside `job_submit.lua`, so no race of
concurrent prompts can pass it; this module sets it and reads what was spent, by the one
rule in `_spending.lua` that the submit script uses too: a job's price counts on the UTC
day it was reserved, whether it is still held or was captured, and its release (failed,
cancelled, expired job) gives it back. A job reserved yesterday and released today gives
back nothing today: it counted on its own day. Reservations are indexed by the job
store's clock (`kb:user:{id}:spending`); whether one was released is the ledger's own
record (the `release:{job_id}` op key), so the index can never disagree with the money.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from kiebot.billing.errors import BillingError
from kiebot.store.keys import Keys
from kiebot.store.replies import optional_text
from kiebot.store.scripts import Scripts

DAY_S = 86_400
MAX_CAP = 1_000_000
CAP_FIELD = "daily_cap"


class DailyCapReached(BillingError):
    """The job would take the user past their own daily cap; nothing was reserved."""

    user_message_key = "spending.cap_reached"

    def __init__(self, *, cap: int, spent: int, price: int) -> None:
        super().__init__(f"daily cap {cap}: spent {spent}, a job of {price} would pass it")
        self.cap = cap
        self.spent = spent
        self.price = price


class InvalidCap(BillingError):
    """Not a cap: not a whole number in 1..MAX_CAP; nothing changed."""

    user_message_key = "spending.cap_invalid"

    def __init__(self) -> None:
        super().__init__(f"a daily cap is a whole number in 1..{MAX_CAP}")
        self.max_cap = MAX_CAP


@dataclass(frozen=True, slots=True)
class CapStatus:
    """The user's cap (None: no cap) and what they spent today."""

    cap: int | None
    spent: int

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.spent)


def day_start(now: float) -> float:
    """The start (00:00 UTC) of the UTC day `now` falls in: unix time has no leap seconds,
    so every UTC day is a multiple of 86 400 s from the epoch."""
    return now - now % DAY_S


class SpendingCaps:
    """Sets and reads the user's daily cap; the submit script enforces it."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        scripts: Scripts,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._scripts = scripts
        self._clock = clock

    async def set_cap(self, user_id: int, cap: int | None) -> None:
        """Set the cap (whole credits, 1..MAX_CAP), or remove it with None.

        Takes effect on the next reservation, also when today's spending is already past
        it (then nothing more is reserved today).
        """
        key = self._keys.user(user_id)
        if cap is None:
            await self._redis.hdel(key, CAP_FIELD)
            return
        if not 1 <= cap <= MAX_CAP:
            raise InvalidCap()
        await self._redis.hset(key, CAP_FIELD, str(cap))

    async def cap(self, user_id: int) -> int | None:
        stored = optional_text(await self._redis.hget(self._keys.user(user_id), CAP_FIELD))
        return int(stored) if stored else None

    async def spent_today(self, user_id: int) -> int:
        """Credits spent since 00:00 UTC by the rule in the module doc."""
        keys = [self._keys.user_spending(user_id), self._keys.applied(user_id)]
        since = repr(day_start(self._clock()))
        return int(await self._scripts.spending_today(keys=keys, args=[since]))

    async def status(self, user_id: int) -> CapStatus:
        return CapStatus(cap=await self.cap(user_id), spent=await self.spent_today(user_id))
