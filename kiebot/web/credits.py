"""KIE credits per key for the overview, read at most once a minute.

The overview may be reloaded often, by several browser tabs; each credit read spends the
key's read budget that polling needs. So one reading is shared for `ttl_s` (60 s by
default), and concurrent page loads wait on the one read in progress instead of
starting their own. A failed read is remembered for the same time: a down provider is
shown as such, not hammered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from kiebot.kie import KieError

ReadCredits = Callable[[], Awaitable[dict[str, float]]]

MIN_TTL_S = 60.0


@dataclass(frozen=True, slots=True)
class CreditReading:
    """Credits per key id (the key's fingerprint, never the key), or why not."""

    read_at: float  # unix seconds
    per_key: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"read_at": self.read_at, "per_key": self.per_key, "error": self.error}


class KieCredits:
    def __init__(
        self,
        read: ReadCredits,
        *,
        ttl_s: float = MIN_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._read = read
        self._ttl_s = ttl_s
        self._clock = clock
        self._reading: CreditReading | None = None
        self._lock = asyncio.Lock()

    async def reading(self) -> CreditReading:
        async with self._lock:
            cached = self._reading
            if cached is not None and self._clock() - cached.read_at < self._ttl_s:
                return cached
            self._reading = await self._fresh()
            return self._reading

    async def _fresh(self) -> CreditReading:
        now = self._clock()
        try:
            return CreditReading(read_at=now, per_key=await self._read())
        except (KieError, TimeoutError, OSError) as exc:
            return CreditReading(read_at=now, error=type(exc).__name__)
