"""The retry policy: capped exponential backoff with full jitter.

Full jitter (a uniform wait between zero and the exponential ceiling) spreads the retries
of many concurrent callers instead of synchronising them into waves, which is what a
fixed or equal-jitter backoff does after a burst of 429s or 500s. The random source and
the sleep are fields so that tests run the policy on a fake clock.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# 2**64 seconds is long past any cap; clamping the exponent keeps the float finite.
_MAX_EXPONENT = 64


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before each retry, and how many tries a call gets in total.

    `max_attempts` counts the first try: 5 means one try and at most four retries. The
    wait before retry number `n` (0-based) is `uniform(0, min(cap, base * 2**n))`.
    """

    base: float = 0.5
    cap: float = 20.0
    max_attempts: int = 5
    uniform: Callable[[float, float], float] = field(
        default=random.uniform, repr=False, compare=False
    )
    sleep: Callable[[float], Awaitable[None]] = field(
        default=asyncio.sleep, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.base > 0:
            raise ValueError(f"Backoff.base must be positive, got {self.base!r}")
        if not self.cap >= self.base:
            raise ValueError(f"Backoff.cap must be >= base, got {self.cap!r} < {self.base!r}")
        if self.max_attempts < 1:
            raise ValueError(f"Backoff.max_attempts must be >= 1, got {self.max_attempts!r}")

    def ceiling(self, retry: int) -> float:
        """The largest wait before retry number `retry` (0-based)."""
        return min(self.cap, self.base * 2.0 ** min(retry, _MAX_EXPONENT))

    def delay(self, retry: int) -> float:
        """A jittered wait before retry number `retry` (0-based)."""
        return self.uniform(0.0, self.ceiling(retry))

    async def wait(self, retry: int, *, at_least: float = 0.0) -> float:
        """Sleep before retry number `retry`; never less than `at_least`. Returns the wait.

        `at_least` is how a 429 keeps its promise of no hot loop: the caller passes the
        time the key's budget needs to refill, and jitter only ever adds to it.
        """
        seconds = max(self.delay(retry), at_least)
        await self.sleep(seconds)
        return seconds
