"""Learned generation durations: how long each model really takes, from finished jobs.

The poller's first check of a task is timed from the model's typical duration. The
catalog's `typical_s` is a guess written once; the real figure moves with KIE's load and
differs per model, so the book keeps the last `keep` durations per model in Redis
(`Keys.durations`, a capped list shared by every process and kept across restarts) and
answers with their median. The median, not the mean: one task stuck in KIE's queue for
ten minutes would drag a mean far from what most jobs see, and the median ignores it.

The hot path is `typical()`, asked once per job: it is served from a small in-memory
cache, so a busy minute of image jobs does not become a Redis round trip per job. The
cache of a model is refreshed after `ttl_s`, and whenever this process writes its samples
(the reply to that write carries the new list), so samples recorded by another process
are seen too.

`record()` is per job as well, so its samples are written in batches: they count in this
process's median at once, and reach Redis at most every `flush_s`, all models in one
round trip. A crash loses at most that many seconds of samples, which are only a hint.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from redis.asyncio import Redis

from kiebot.store.keys import Keys

# Fewer samples than this and the median is noise: the caller's default wins.
MIN_SAMPLES = 3
# Models are few (the catalog's), but a model id comes from data: cap the cache anyway.
_MAX_CACHED_MODELS = 256
FLUSH_S = 5.0


@dataclass(slots=True)
class _Cached:
    median: float | None  # None: fewer than MIN_SAMPLES samples
    samples: list[float]  # newest first, as in Redis, with this process's unwritten ones
    loaded_at: float


class DurationBook:
    """Recent durations per model, their median, and a per-process cache of it."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        keep: int = 50,
        min_samples: int = MIN_SAMPLES,
        ttl_s: float = 300.0,
        flush_s: float = FLUSH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if keep < 1 or min_samples < 1:
            raise ValueError("keep and min_samples must be at least 1")
        self._redis = redis
        self._keys = keys
        self._keep = keep
        self._min_samples = min_samples
        self._ttl_s = ttl_s
        self._clock = clock
        self._flush_s = flush_s
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        # model -> samples not yet written to Redis, newest first (at most `keep` each)
        self._pending: dict[str, list[float]] = {}
        self._flushed_at = float("-inf")

    async def record(self, model: str, seconds: float) -> None:
        """Keep one finished job's duration (a nonsense value is ignored): in this
        process's median now, in Redis with the next flush (at most `flush_s` away)."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        sample = float(f"{seconds:.3f}")  # as Redis keeps it
        self._pending[model] = [sample, *self._pending.get(model, ())][: self._keep]
        cached = self._cache.get(model)
        if cached is not None:
            self._set(model, [sample, *cached.samples], cached.loaded_at)
        # Also when many models wait: the pending samples stay bounded like the cache.
        due = self._clock() - self._flushed_at >= self._flush_s
        if due or len(self._pending) >= _MAX_CACHED_MODELS:
            await self.flush()

    async def flush(self) -> None:
        """Write the samples recorded since the last flush, every model in one round trip,
        and refresh those models' cache from the lists Redis then holds."""
        pending, self._pending = self._pending, {}
        self._flushed_at = self._clock()
        if not pending:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            for model, samples in pending.items():
                key = self._keys.durations(model)
                pipe.lpush(key, *(f"{sample:.3f}" for sample in reversed(samples)))
                pipe.ltrim(key, 0, self._keep - 1)
                pipe.lrange(key, 0, -1)
            replies = await pipe.execute()
        for index, model in enumerate(pending):
            self._store(model, replies[index * 3 + 2])

    async def typical(self, model: str, default: float) -> float:
        """The median of the kept durations, or `default` while there are too few."""
        cached = self._cache.get(model)
        if cached is None or self._clock() - cached.loaded_at > self._ttl_s:
            values = await self._redis.lrange(self._keys.durations(model), 0, -1)
            cached = self._store(model, values)
        return cached.median if cached.median is not None else default

    def cached(self, model: str) -> float | None:
        """The cached median without any I/O (None when unknown or too few samples)."""
        entry = self._cache.get(model)
        return entry.median if entry else None

    def _store(self, model: str, values: Iterable[object]) -> _Cached:
        """Cache what Redis holds, with the samples not yet written on top."""
        return self._set(model, [*self._pending.get(model, ()), *_parse(values)], self._clock())

    def _set(self, model: str, samples: list[float], loaded_at: float) -> _Cached:
        samples = samples[: self._keep]
        median = statistics.median(samples) if len(samples) >= self._min_samples else None
        entry = _Cached(median, samples, loaded_at)
        self._cache[model] = entry
        self._cache.move_to_end(model)
        while len(self._cache) > _MAX_CACHED_MODELS:
            self._cache.popitem(last=False)
        return entry


def _parse(values: Iterable[object]) -> list[float]:
    """Durations from Redis strings; anything else (a hand-edited key) is skipped."""
    samples: list[float] = []
    for value in values:
        try:
            number = float(str(value))
        except ValueError:
            continue
        if math.isfinite(number) and number > 0:
            samples.append(number)
    return samples
