"""Jobs ended per minute, and how long users waited: the admin overview's recent history.

Prometheus counters start from zero at every restart and live in this process only; the
overview's chart and rates ("jobs per minute", "success rate", "errors in the last
hours") must survive a restart, so each ended job is also counted in Redis: one small
hash per minute (`Keys.activity`, fields per outcome) that expires after a day. Reading
six hours is one pipelined round trip of 360 `HGETALL`s.

The wait of each delivered job (submit to done, what the user felt) goes to a capped
list per model, from which the overview takes p50 and p95.

Both are written by the move that ends the job (`job_transition.lua`), in the same
script call: counted exactly once, and no round trip of their own. This module reads.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from redis.asyncio import Redis

from kiebot.store.keys import Keys
from kiebot.store.replies import text_map, texts

OUTCOMES = ("done", "failed", "cancelled", "expired")
# Outcomes that are the system's fault, for the success rate and the chart's error bars;
# a cancellation is the user's choice.
ERROR_OUTCOMES = frozenset({"failed", "expired"})


@dataclass(frozen=True, slots=True)
class Bucket:
    """Jobs ended in one span of time, by outcome."""

    start: float  # unix seconds
    counts: dict[str, int]

    @property
    def ended(self) -> int:
        return sum(self.counts.values())

    @property
    def errors(self) -> int:
        return sum(n for outcome, n in self.counts.items() if outcome in ERROR_OUTCOMES)


def success_rate(buckets: Iterable[Bucket]) -> float | None:
    """Delivered / (delivered + failed + expired); None when nothing ended that way."""
    done = errors = 0
    for bucket in buckets:
        done += bucket.counts.get("done", 0)
        errors += bucket.errors
    return done / (done + errors) if done + errors else None


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile (p95 of 20 waits is the 19th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


class JobActivity:
    def __init__(self, redis: Redis, keys: Keys, *, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock

    async def minutes(self, count: int) -> list[Bucket]:
        """The last `count` minutes, oldest first, the current (partial) one last."""
        now_minute = int(self._clock() // 60)
        first = now_minute - count + 1
        async with self._redis.pipeline(transaction=False) as pipe:
            for minute in range(first, now_minute + 1):
                pipe.hgetall(self._keys.activity(minute))
            replies = await pipe.execute()
        return [
            Bucket(
                start=(first + i) * 60.0,
                counts={k: int(v) for k, v in text_map(reply).items()},
            )
            for i, reply in enumerate(replies)
        ]

    async def waits(self, models: Iterable[str]) -> dict[str, list[float]]:
        """Submit-to-done seconds of each model's latest delivered jobs, newest first;
        models with none are left out. One round trip."""
        names = list(models)
        async with self._redis.pipeline(transaction=False) as pipe:
            for model in names:
                pipe.lrange(self._keys.activity_waits(model), 0, -1)
            replies = await pipe.execute()
        return {
            model: [float(value) for value in texts(raw)]
            for model, raw in zip(names, replies, strict=True)
            if raw
        }


def merge(buckets: list[Bucket], width: int) -> list[Bucket]:
    """Sum consecutive buckets `width` at a time (minutes into five-minute bars)."""
    merged: list[Bucket] = []
    for start in range(0, len(buckets), width):
        group = buckets[start : start + width]
        counts: dict[str, int] = {}
        for bucket in group:
            for outcome, n in bucket.counts.items():
                counts[outcome] = counts.get(outcome, 0) + n
        merged.append(Bucket(start=group[0].start, counts=counts))
    return merged
