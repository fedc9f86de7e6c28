"""Operator switches over the catalog: a model turned off or on live, without a restart.

The catalog file says which models exist and whether they start enabled; an operator
may override that from the admin page (a model failing at KIE, out of budget). The
overrides live in Redis (`Keys.model_switches`) so they outlive a restart and every
process sees them; a short in-process cache keeps the submit path from asking Redis on
every message while a change still shows up everywhere within `CACHE_S`; a change made
through this object (the admin pages of this process) shows up here at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from kiebot.catalog.catalog import Catalog
from kiebot.catalog.errors import UnknownModel
from kiebot.catalog.model import ModelEntry
from kiebot.store.keys import Keys
from kiebot.store.replies import text_map

CACHE_S = 1.0


class ModelSwitches:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        catalog: Catalog,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._key = keys.model_switches
        self._catalog = catalog
        self._clock = clock
        self._cached: dict[str, bool] = {}
        self._read_at = float("-inf")

    async def overrides(self) -> dict[str, bool]:
        """The operator's overrides, model id -> enabled (models not in it: the file's)."""
        if self._clock() - self._read_at >= CACHE_S:
            raw = text_map(await self._redis.hgetall(self._key))
            self._cached = {model: value == "1" for model, value in raw.items()}
            self._read_at = self._clock()
        return dict(self._cached)

    async def is_enabled(self, entry: ModelEntry) -> bool:
        return (await self.overrides()).get(entry.id, entry.enabled)

    async def enabled_models(self) -> list[ModelEntry]:
        """Every model users may choose now, in the catalog's order."""
        overrides = await self.overrides()
        return [e for e in self._catalog if overrides.get(e.id, e.enabled)]

    async def set_enabled(self, model_id: str, enabled: bool) -> None:
        """Turn a model on or off for everyone; an unknown id raises `UnknownModel`."""
        if model_id not in self._catalog:
            raise UnknownModel(model_id=model_id)
        await self._redis.hset(self._key, model_id, "1" if enabled else "0")
        self._cached[model_id] = enabled  # this process sees its own change at once
