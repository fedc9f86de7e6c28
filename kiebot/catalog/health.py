"""Whether a model can take a job now, and what to offer instead when it cannot.

A model is out of service when the operator switched it off (`ModelSwitches`) or when it
has been failing at KIE: `threshold` provider-side failures (not the user's: a refused
prompt says nothing about the model) within `window_s`, counted in Redis so every
process and a restart see the same picture. The count simply ages out, so a model comes
back by itself once its failures are older than the window. A model with a
`daily_budget` is also out of service for the rest of the UTC day once the credits
reserved for it that day (and not released) have reached the budget: the count is kept
where jobs are reserved (`job_submit.lua`), so it is exact across processes; this class
only reads it. KIE's own rate and credit limits belong to the API key, not to a model,
so a fallback would not help there and they are not counted here.

Instead of a dead end the user is offered the first usable model along the entry's
`fallback` chain, at its own price (`usable_fallback`).

The failure count is asked at every submit, so it is cached per model for `cache_s`
(about a second): failures recorded by this object drop the model's entry at once, and
those of another process are seen within `cache_s`, a delay no user can tell from the
time the failures took to happen.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from enum import StrEnum

from redis.asyncio import Redis

from kiebot.catalog.catalog import Catalog
from kiebot.catalog.model import ModelEntry
from kiebot.catalog.switches import ModelSwitches
from kiebot.store.keys import Keys

FAILURE_THRESHOLD = 5
FAILURE_WINDOW_S = 300.0
CACHE_S = 1.0


class Unavailable(StrEnum):
    """Why a model cannot take a job now (the key of the text that says so)."""

    DISABLED = "disabled"
    FAILING = "failing"
    OUT_OF_BUDGET = "out_of_budget"


class ModelHealth:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        catalog: Catalog,
        switches: ModelSwitches,
        *,
        threshold: int = FAILURE_THRESHOLD,
        window_s: float = FAILURE_WINDOW_S,
        clock: Callable[[], float] = time.time,
        cache_s: float = CACHE_S,
    ) -> None:
        if threshold < 1 or window_s <= 0:
            raise ValueError("threshold must be >= 1 and window_s > 0")
        self._cache_s = cache_s
        # model id -> (read at, failures); models are the catalog's, so few
        self._failures: dict[str, tuple[float, int]] = {}
        self._recorded = 0  # this object's failures so far: a read overlapping one is not kept
        self._redis = redis
        self._keys = keys
        self._catalog = catalog
        self._switches = switches
        self._threshold = threshold
        self._window_s = window_s
        self._clock = clock

    async def record_failure(self, model_id: str) -> None:
        """One provider-side failure of a job of this model (KIE failed, refused the key,
        ran out of credit); the user's own mistakes are not counted."""
        key, now = self._keys.model_failures(model_id), self._clock()
        self._forget_count(model_id)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zadd(key, {f"{now:.6f}:{secrets.token_hex(4)}": now})
                pipe.zremrangebyscore(key, "-inf", now - self._window_s)
                pipe.expire(key, int(self._window_s) + 1)
                await pipe.execute()
        finally:
            self._forget_count(model_id)

    async def failures(self, model_id: str) -> int:
        """Failures in the window, as counted at most `cache_s` ago."""
        now = self._clock()
        cached = self._failures.get(model_id)
        if cached is not None and 0 <= now - cached[0] < self._cache_s:
            return cached[1]
        recorded, key = self._recorded, self._keys.model_failures(model_id)
        count = int(await self._redis.zcount(key, now - self._window_s, "+inf"))
        if recorded == self._recorded and model_id in self._catalog:
            self._failures[model_id] = (now, count)
        return count

    def _forget_count(self, model_id: str) -> None:
        self._recorded += 1
        self._failures.pop(model_id, None)

    async def spent_today(self, model_id: str) -> int:
        """Credits reserved today (UTC) for jobs of the model and not released."""
        day = int(self._clock() // 86400)  # as `jobs.record.budget_day`
        spent = await self._redis.hget(self._keys.model_spend(model_id, day), "spent")
        return int(spent or 0)

    async def unavailable(self, entry: ModelEntry) -> Unavailable | None:
        """Why `entry` cannot take a job now, or None when it can."""
        if not await self._switches.is_enabled(entry):
            return Unavailable.DISABLED
        if await self.failures(entry.id) >= self._threshold:
            return Unavailable.FAILING
        if entry.daily_budget is not None and (
            await self.spent_today(entry.id) >= entry.daily_budget
        ):
            return Unavailable.OUT_OF_BUDGET
        return None

    async def usable_fallback(self, entry: ModelEntry) -> ModelEntry | None:
        """The first model along `entry`'s fallback chain that can take a job now.

        The loader refuses fallback cycles, so the walk ends.
        """
        next_id = entry.fallback
        while next_id is not None:
            candidate = self._catalog.get(next_id)
            if await self.unavailable(candidate) is None:
                return candidate
            next_id = candidate.fallback
        return None
