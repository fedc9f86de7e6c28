"""Alerts to the operators (`KIEBOT_ADMIN_IDS`) in Telegram, each kind rate-limited.

`Alerts.send(kind, text_key, ...)` says it at most once per `interval_s` per kind: the
mark is `kb:alert:{kind}` with that TTL, set with NX, so a restart does not repeat an
alert and a flapping condition costs one message per interval, not one per check. When
Redis itself is unreachable (the "Redis lost" alert), the mark is kept in memory instead.
Every message goes through `delivery`, paced like any other.

`AlertWatcher` is the background task that looks for the conditions: Redis reachable
(every few seconds: lost, then back with the time it was gone), KIE credits under the
threshold (from the health check's cached credit read, so no extra KIE calls), and the
share of jobs that failed or expired since the last look. A key rejected by KIE comes
from the key pool's hook (`key_rejected`), at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Coroutine
from typing import Any

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from kiebot.bot.texts import text
from kiebot.delivery import Delivery, DeliveryError
from kiebot.ops.health import CachedProbe, CheckFailed
from kiebot.ops.metrics import Metrics
from kiebot.store import Keys

Language = Callable[[int], Awaitable[str]]
Clock = Callable[[], float]
# Outcomes that count as errors for the error-rate alert.
ERROR_OUTCOMES = frozenset({"failed", "expired"})
# Fewer ended jobs than this in a window say nothing about a rate.
MIN_JOBS_FOR_RATE = 5
_REDIS_DOWN = (RedisError, TimeoutError, OSError)


class Alerts:
    """Sends rate-limited alerts to every admin in their language."""

    def __init__(
        self,
        *,
        redis: Redis,
        keys: Keys,
        delivery: Delivery,
        admin_ids: Collection[int],
        language: Language,
        interval_s: float = 1800.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._delivery = delivery
        self._admin_ids = sorted(admin_ids)
        self._language = language
        self._interval_s = interval_s
        self._clock = clock
        self._said_at: dict[str, float] = {}  # fallback marks while Redis is down
        self._tasks: set[asyncio.Task[None]] = set()

    async def send(self, kind: str, text_key: str, **values: Any) -> bool:
        """Tell the admins, unless this kind was said within the interval; True if sent."""
        if not self._admin_ids or not await self._claim(kind):
            return False
        logger.warning("alert {}: {}", kind, text(text_key, "en", **values))
        for admin_id in self._admin_ids:
            message = text(text_key, await self._admin_language(admin_id), **values)
            try:
                await self._delivery.send_text(admin_id, message)
            except DeliveryError as exc:
                logger.warning("alert {} not delivered to admin {}: {}", kind, admin_id, exc)
        return True

    def key_rejected(self, key_id: str, reason: str) -> None:
        """The key pool's hook (sync, must not block): the alert goes from a task."""
        self._spawn(self.send(f"kie_key:{key_id}", "alert.kie_key", key_id=key_id, reason=reason))

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _claim(self, kind: str) -> bool:
        try:
            claimed = await self._redis.set(
                self._keys.alert(kind), "1", nx=True, ex=max(1, round(self._interval_s))
            )
            return bool(claimed)
        except _REDIS_DOWN:
            now = self._clock()
            last = self._said_at.get(kind)
            if last is not None and now - last < self._interval_s:
                return False
            self._said_at[kind] = now
            return True

    async def _admin_language(self, admin_id: int) -> str:
        try:
            return await self._language(admin_id)
        except _REDIS_DOWN:
            return "en"

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        async def run() -> None:
            await coro

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class AlertWatcher:
    """Checks the alert conditions on a timer; each check is also callable on its own."""

    def __init__(
        self,
        *,
        alerts: Alerts,
        redis: Redis,
        metrics: Metrics,
        kie_credits: CachedProbe[dict[str, float]],
        credits_threshold: float,
        error_rate: float,
        redis_every_s: float = 5.0,
        others_every_s: float = 60.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self._alerts = alerts
        self._redis = redis
        self._metrics = metrics
        self._kie_credits = kie_credits
        self._credits_threshold = credits_threshold
        self._error_rate = error_rate
        self._redis_every_s = redis_every_s
        self._others_every_s = others_every_s
        self._clock = clock
        self._redis_lost_at: float | None = None
        self._outcomes_seen: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._outcomes_seen = self._metrics.job_outcomes()
        self._task = asyncio.create_task(self._run(), name="alert-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        next_others = self._clock() + self._others_every_s
        while True:
            await asyncio.sleep(self._redis_every_s)
            others = self._clock() >= next_others
            if others:
                next_others = self._clock() + self._others_every_s
            try:
                await self._check(others=others)
            except Exception:  # a surprise in one look must not end the watching
                logger.exception("alert watcher: a check failed")

    async def _check(self, *, others: bool) -> None:
        await self.check_redis()
        if others:
            await self.check_kie_credits()
            await self.check_error_rate()

    async def check_redis(self) -> None:
        """Alert once when Redis stops answering, and once when it is back."""
        try:
            await asyncio.wait_for(self._redis.ping(), 3.0)
        except _REDIS_DOWN as exc:
            if self._redis_lost_at is None:
                self._redis_lost_at = self._clock()
                await self._alerts.send("redis_lost", "alert.redis_lost", error=type(exc).__name__)
            return
        if self._redis_lost_at is not None:
            gone_s = round(self._clock() - self._redis_lost_at)
            self._redis_lost_at = None
            await self._alerts.send("redis_back", "alert.redis_back", seconds=gone_s)

    async def check_kie_credits(self) -> None:
        try:
            credits = await self._kie_credits.get()
        except CheckFailed:
            return  # unreachable or no usable key: the health check and key alert say it
        low = {key: value for key, value in credits.items() if value < self._credits_threshold}
        if low:
            key, left = min(low.items(), key=lambda item: item[1])
            await self._alerts.send(
                "kie_credits",
                "alert.kie_credits",
                key_id=key,
                credits=f"{left:g}",
                threshold=f"{self._credits_threshold:g}",
            )

    async def check_error_rate(self) -> None:
        """The share of jobs that ended failed or expired since the last check."""
        now = self._metrics.job_outcomes()
        delta = {k: v - self._outcomes_seen.get(k, 0.0) for k, v in now.items()}
        ended = sum(delta.values())
        if ended < MIN_JOBS_FOR_RATE:
            return  # keep counting: too few jobs to call it a rate yet
        self._outcomes_seen = now
        errors = sum(v for k, v in delta.items() if k in ERROR_OUTCOMES)
        if errors / ended >= self._error_rate:
            await self._alerts.send(
                "error_rate",
                "alert.error_rate",
                errors=round(errors),
                ended=round(ended),
                percent=round(100 * errors / ended),
            )
