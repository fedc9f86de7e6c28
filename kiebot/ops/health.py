"""What `/healthz` checks: Redis, KIE, Telegram, the data dir's free space, the event loop.

Redis is pinged on every call: it is local, cheap, and the first thing to know about. KIE
and Telegram are remote and rate-limited, so their answers are cached (`remote_ttl_s`, a
minute by default; a failure is re-asked sooner): a supervisor polling `/healthz` every
few seconds costs one credit read and one getMe a minute. Every check has its own timeout
and they run together, so one dead remote cannot hide the others or stall the answer.

The event loop's lag comes from `LoopLagMonitor`, a task that asks to wake every
`interval_s` and records how late it woke: a loop blocked by sync work shows up here long
before users complain.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from kiebot.kie import KieClient, KieError
from kiebot.ops.metrics import Metrics

T = TypeVar("T")
OK = "ok"
CHECK_TIMEOUT_S = 3.0
MB = 1024 * 1024
_EXPECTED = (RedisError, KieError, TelegramAPIError, TimeoutError, OSError)
Clock = Callable[[], float]


class CheckFailed(Exception):
    """A check's own verdict (e.g. too little disk), as opposed to an error it ran into."""


def _describe(exc: BaseException) -> str:
    """Short and safe: the class, plus our own verdict's text. Never a library's message,
    which may quote a URL holding a token."""
    if isinstance(exc, CheckFailed):
        return str(exc)
    return type(exc).__name__


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


@dataclass(slots=True)
class _Cached(Generic[T]):
    value: T | None = None
    error: str | None = None
    until: float = float("-inf")


class CachedProbe(Generic[T]):
    """An async probe whose answer is kept `ttl_s` (a failure `retry_s`); one call at a
    time, so a burst of health requests makes one remote call, not one each."""

    def __init__(
        self, probe: Callable[[], Awaitable[T]], *, ttl_s: float, retry_s: float, clock: Clock
    ) -> None:
        self._probe = probe
        self._ttl_s = ttl_s
        self._retry_s = retry_s
        self._clock = clock
        self._cached: _Cached[T] = _Cached()
        self._lock = asyncio.Lock()

    @property
    def last(self) -> T | None:
        """The last good answer (possibly stale), without asking."""
        return self._cached.value

    async def get(self) -> T:
        """The cached answer, asking again when it is stale; raises `CheckFailed`."""
        async with self._lock:
            if self._clock() >= self._cached.until:
                await self._refresh()
            value = self._cached.value
            if self._cached.error is not None or value is None:
                raise CheckFailed(self._cached.error or "no answer yet")
            return value

    async def _refresh(self) -> None:
        try:
            value = await asyncio.wait_for(self._probe(), CHECK_TIMEOUT_S)
        except _EXPECTED as exc:
            self._cached.error = _describe(exc)
            self._cached.until = self._clock() + self._retry_s
            return
        self._cached = _Cached(value, None, self._clock() + self._ttl_s)


class LoopLagMonitor:
    """Measures how late the event loop runs a task that sleeps `interval_s` at a time."""

    def __init__(self, metrics: Metrics, *, interval_s: float = 0.5) -> None:
        self._metrics = metrics
        self._interval_s = interval_s
        self.lag_s = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            expected = loop.time() + self._interval_s
            await asyncio.sleep(self._interval_s)
            self.lag_s = max(loop.time() - expected, 0.0)
            self._metrics.loop_lag.set(self.lag_s)


class HealthChecks:
    """The checks behind `/healthz`; `run()` answers check name -> "ok" or "fail: why"."""

    def __init__(
        self,
        *,
        redis: Redis,
        kie: KieClient,
        bot: Bot,
        data_dir: Path,
        lag: LoopLagMonitor,
        min_free_mb: int = 200,
        max_lag_s: float = 1.0,
        remote_ttl_s: float = 60.0,
        remote_retry_s: float = 10.0,
        clock: Clock = _loop_time,
    ) -> None:
        self._redis = redis
        self._data_dir = data_dir
        self._lag = lag
        self._min_free = min_free_mb * MB
        self._max_lag_s = max_lag_s
        self.kie_credits = CachedProbe(
            self._read_credits, ttl_s=remote_ttl_s, retry_s=remote_retry_s, clock=clock
        )
        self._kie = kie
        self._bot = bot
        self._telegram = CachedProbe(
            self._get_me, ttl_s=remote_ttl_s, retry_s=remote_retry_s, clock=clock
        )

    async def run(self) -> dict[str, str]:
        checks = {
            "redis": self._redis_check,
            "kie": self._kie_check,
            "telegram": self._telegram_check,
            "disk": self._disk_check,
            "event_loop": self._loop_check,
        }
        results = await asyncio.gather(*(_verdict(check) for check in checks.values()))
        return dict(zip(checks, results, strict=True))

    async def _redis_check(self) -> str:
        await asyncio.wait_for(self._redis.ping(), CHECK_TIMEOUT_S)
        return OK

    async def _read_credits(self) -> dict[str, float]:
        credits = await self._kie.get_credits()
        if not credits:
            raise CheckFailed("no usable KIE key (every key was rejected)")
        return credits

    async def _kie_check(self) -> str:
        await self.kie_credits.get()
        return OK

    async def _get_me(self) -> str:
        me = await self._bot.get_me()
        return f"@{me.username}"

    async def _telegram_check(self) -> str:
        await self._telegram.get()
        return OK

    async def _disk_check(self) -> str:
        usage = await asyncio.to_thread(shutil.disk_usage, self._data_dir)
        if usage.free < self._min_free:
            free_mb = usage.free // MB
            raise CheckFailed(f"{free_mb} MB free in the data dir, below {self._min_free // MB}")
        return OK

    async def _loop_check(self) -> str:
        lag = self._lag.lag_s
        if lag > self._max_lag_s:
            raise CheckFailed(f"event loop {lag:.2f} s late (over {self._max_lag_s:g} s)")
        return OK


async def _verdict(check: Callable[[], Awaitable[str]]) -> str:
    try:
        return await check()
    except (CheckFailed, *_EXPECTED) as exc:
        return f"fail: {_describe(exc)}"


def healthy(checks: dict[str, str]) -> bool:
    return all(value == OK for value in checks.values())
