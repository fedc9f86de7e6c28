"""A user's choices, kept in Redis so they outlive restarts: nothing typed twice.

One hash per user (`Keys.preferences`): `lang` (a language the user picked in /settings,
over Telegram's language_code), `aspect_ratio` (their default, applied to every model
that has such a field), `mode` (the kind last chosen in /models: what a plain text or a
photo without a caption does), `model:{kind}` (the chosen model of each kind) and
`opt:{model}:{field}` (an option value chosen in that model's menu, JSON-encoded so an
int stays an int). Values are checked against the catalog by the caller before they are
stored; a value the catalog no longer accepts is dropped when read (`options_for`), so
an operator's catalog edit never leaves a user stuck with a refused option.

`get` runs several times per job (the prompt, the buttons under the result), so the
preferences are cached: a bounded map of user id -> preferences, filled on first read and
dropped by every write of this object. The process builds one `Preferences` and every
write goes through it, which keeps the cache true; `cache_s` still bounds how long a
change made elsewhere (another process sharing the Redis) can go unseen.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis.asyncio import Redis

from kiebot.catalog import (
    Catalog,
    InputError,
    Kind,
    ModelEntry,
    ModelUnavailable,
    OptionValue,
)
from kiebot.store.keys import Keys
from kiebot.store.replies import text_map

CACHE_SIZE = 10_000
CACHE_S = 60.0


@dataclass(frozen=True, slots=True)
class UserPreferences:
    language: str | None = None
    aspect_ratio: str | None = None
    mode: Kind | None = None
    models: Mapping[str, str] = field(default_factory=dict)  # kind -> model id
    options: Mapping[str, Mapping[str, OptionValue]] = field(default_factory=dict)

    @classmethod
    def from_hash(cls, data: Mapping[str, str]) -> UserPreferences:
        models: dict[str, str] = {}
        options: dict[str, dict[str, OptionValue]] = {}
        for name, value in data.items():
            if name.startswith("model:"):
                models[name.removeprefix("model:")] = value
            elif name.startswith("opt:"):
                model, _, option = name.removeprefix("opt:").rpartition(":")
                options.setdefault(model, {})[option] = orjson.loads(value)
        return cls(
            language=data.get("lang"),
            aspect_ratio=data.get("aspect_ratio"),
            mode=_kind(data.get("mode")),
            models=models,
            options=options,
        )

    def model_for(
        self, catalog: Catalog, kind: Kind, switches: Mapping[str, bool] | None = None
    ) -> ModelEntry:
        """The user's model of this kind, or the catalog's default when they chose none
        or the chosen one is gone from the catalog or switched off.

        `switches` are the operator's live overrides (`ModelSwitches.overrides()`): a
        model switched off there is passed over like one disabled in the file, and one
        switched on counts as enabled. Raises `ModelUnavailable` when no model of the
        kind is on.
        """
        live = switches or {}

        def enabled(entry: ModelEntry) -> bool:
            return live.get(entry.id, entry.enabled)

        chosen = self.models.get(kind.value)
        if chosen and chosen in catalog:
            entry = catalog.get(chosen)
            if enabled(entry) and entry.kind == kind:
                return entry
        default = catalog.default_model_id(kind)
        candidates = [default] if default else []
        candidates += [e.id for e in catalog.models(kind=kind, enabled_only=False)]
        for model_id in candidates:
            entry = catalog.get(model_id)
            if enabled(entry):
                return entry
        raise ModelUnavailable(kind.value)

    def options_for(self, entry: ModelEntry) -> dict[str, OptionValue]:
        """The user's options for this model that the model accepts now; the default
        aspect ratio fills in when the model has such a field and no choice was made."""
        layers: list[tuple[str, OptionValue]] = []
        if self.aspect_ratio is not None and "aspect_ratio" in entry.fields:
            layers.append(("aspect_ratio", self.aspect_ratio))
        layers.extend(self.options.get(entry.id, {}).items())
        accepted: dict[str, OptionValue] = {}
        for name, value in layers:  # later layers (the model's own menu) win
            try:
                entry.resolve_options({name: value})
            except InputError:
                continue
            accepted[name] = value
        return accepted


class Preferences:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        cache_size: int = CACHE_SIZE,
        cache_s: float = CACHE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._cache_size = cache_size
        self._cache_s = cache_s
        self._clock = clock
        self._cached: dict[int, tuple[float, UserPreferences]] = {}  # user -> (read at, prefs)
        self._writes = 0  # counts this object's writes: a read that overlapped one is not kept

    async def get(self, user_id: int) -> UserPreferences:
        cached = self._cached.get(user_id)
        if cached is not None and self._clock() - cached[0] < self._cache_s:
            return cached[1]
        writes, read_at = self._writes, self._clock()
        data = await self._redis.hgetall(self._keys.preferences(user_id))
        prefs = UserPreferences.from_hash(text_map(data))
        if writes == self._writes:  # else the reply may predate a write: do not keep it
            self._cache(user_id, read_at, prefs)
        return prefs

    async def set_language(self, user_id: int, language: str) -> None:
        await self._write(
            user_id, self._redis.hset(self._keys.preferences(user_id), "lang", language)
        )

    async def set_aspect_ratio(self, user_id: int, aspect_ratio: str | None) -> None:
        key = self._keys.preferences(user_id)
        if aspect_ratio is None:
            await self._write(user_id, self._redis.hdel(key, "aspect_ratio"))
        else:
            await self._write(user_id, self._redis.hset(key, "aspect_ratio", aspect_ratio))

    async def set_model(self, user_id: int, kind: Kind, model_id: str) -> None:
        """Remember the model of this kind; the kind becomes the user's mode too."""
        key = self._keys.preferences(user_id)
        write = self._redis.hset(key, mapping={f"model:{kind.value}": model_id, "mode": kind.value})
        await self._write(user_id, write)

    async def set_mode(self, user_id: int, kind: Kind) -> None:
        await self._write(
            user_id, self._redis.hset(self._keys.preferences(user_id), "mode", kind.value)
        )

    async def set_option(
        self, user_id: int, model_id: str, name: str, value: OptionValue | None
    ) -> None:
        """Remember an option value (None: back to the model's default)."""
        key, field_name = self._keys.preferences(user_id), f"opt:{model_id}:{name}"
        if value is None:
            await self._write(user_id, self._redis.hdel(key, field_name))
        else:
            await self._write(user_id, self._redis.hset(key, field_name, orjson.dumps(value)))

    async def forget(self, user_id: int) -> None:
        """Delete every preference of the user (their data-deletion request)."""
        await self._write(user_id, self._redis.delete(self._keys.preferences(user_id)))

    async def _write(self, user_id: int, write: Awaitable[object]) -> None:
        """Run one write of the user's hash, dropping their entry before and after it.

        A read overlapping the write (on another pooled connection, answered before or
        after it) sees the write counter move and is not kept, so the cache never holds
        what the hash was before this write.
        """
        self._changed(user_id)
        try:
            await write
        finally:
            self._changed(user_id)

    def _changed(self, user_id: int) -> None:
        self._writes += 1
        self._cached.pop(user_id, None)

    def _cache(self, user_id: int, read_at: float, prefs: UserPreferences) -> None:
        self._cached.pop(user_id, None)
        if len(self._cached) >= self._cache_size:  # bounded: the oldest entry goes
            self._cached.pop(next(iter(self._cached)))
        self._cached[user_id] = (read_at, prefs)


def _kind(value: Any) -> Kind | None:
    """A stored kind, or None for a missing one or one this version no longer has."""
    try:
        return Kind(value) if value else None
    except ValueError:
        return None
