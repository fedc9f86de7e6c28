"""The figures of the in-bot `/stats` command, and the store readings behind `/metrics`.

Everything here reads what other parts already keep: the audience sets (`kb:users`,
`kb:users:blocked`), today's new users and the per-minute job counts (`ops.activity`),
Stars revenue (`payments`: `kb:revenue:stars:{day}` and the total), and the
scheduler's live counts through the metrics gauges. Nothing is counted twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from kiebot.ops.activity import JobActivity
from kiebot.ops.metrics import Metrics
from kiebot.store import Keys

REVENUE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Stats:
    users: int
    blocked: int
    new_today: int
    jobs_today: dict[str, int]
    queued: dict[str, int]
    in_flight: dict[str, int]
    revenue_today: int
    revenue_week: int


def _days(now: float, count: int) -> list[str]:
    today = datetime.fromtimestamp(now, UTC).date()
    return [(today - timedelta(days=back)).isoformat() for back in range(count)]


class StatsReader:
    def __init__(
        self,
        *,
        redis: Redis,
        keys: Keys,
        metrics: Metrics,
        activity: JobActivity,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._metrics = metrics
        self._activity = activity
        self._clock = clock

    async def read(self) -> Stats:
        now = self._clock()
        days = _days(now, REVENUE_DAYS)
        k = self._keys
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.scard(k.users)
            pipe.scard(k.blocked_users)
            pipe.get(k.new_users(days[0]))
            for day in days:
                pipe.get(k.revenue_day(day))
            replies = await pipe.execute()
        users, blocked, new_today, *revenue = replies
        revenue_days = [int(value or 0) for value in revenue]
        minutes_today = int(now // 60) - int(now // 86_400) * 1440 + 1
        jobs: dict[str, int] = {}
        for bucket in await self._activity.minutes(minutes_today):
            for outcome, count in bucket.counts.items():
                jobs[outcome] = jobs.get(outcome, 0) + count
        return Stats(
            users=int(users),
            blocked=int(blocked),
            new_today=int(new_today or 0),
            jobs_today=jobs,
            queued=self._gauge("kiebot_queue_depth"),
            in_flight=self._gauge("kiebot_jobs_in_flight"),
            revenue_today=revenue_days[0],
            revenue_week=sum(revenue_days),
        )

    async def sample(self) -> None:
        """A `/metrics` sampler: the users gauges and Stars revenue, read from Redis."""
        k = self._keys
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.scard(k.users)
            pipe.scard(k.blocked_users)
            pipe.get(k.revenue_total)
            users, blocked, revenue = await pipe.execute()
        readings = self._metrics.readings
        readings.users, readings.blocked_users = int(users), int(blocked)
        readings.revenue_stars = int(revenue or 0)

    def _gauge(self, name: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for metric in self._metrics.registry.collect():
            if metric.name != name:
                continue
            for sample in metric.samples:
                counts[sample.labels["job_class"]] = int(sample.value)
        return counts
