"""The overview's KIE credit reading is shared for a minute, also when the read failed."""

from __future__ import annotations

import asyncio

from kiebot.kie import KieError
from kiebot.web.credits import KieCredits


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Provider:
    """Counts credit reads; fails them while `down`."""

    def __init__(self) -> None:
        self.reads = 0
        self.down = False

    async def __call__(self) -> dict[str, float]:
        self.reads += 1
        await asyncio.sleep(0)  # let concurrent readers pile up on the lock
        if self.down:
            raise KieError("KIE is down")
        return {"key-1": 100.0 - self.reads}


async def test_one_read_a_minute_however_many_pages_ask() -> None:
    clock, provider = Clock(), Provider()
    credits = KieCredits(provider, clock=clock)
    readings = await asyncio.gather(*(credits.reading() for _ in range(5)))
    assert provider.reads == 1
    assert {r.per_key["key-1"] for r in readings} == {99.0}
    clock.now += 59.9
    assert (await credits.reading()).per_key == {"key-1": 99.0}
    clock.now += 0.1
    assert (await credits.reading()).per_key == {"key-1": 98.0}
    assert provider.reads == 2


async def test_a_failed_read_is_shown_and_not_retried_within_the_minute() -> None:
    clock, provider = Clock(), Provider()
    provider.down = True
    credits = KieCredits(provider, clock=clock)
    failed = await credits.reading()
    assert (failed.per_key, failed.error) == ({}, "KieError")
    provider.down = False
    assert (await credits.reading()).error == "KieError"
    clock.now += 60
    assert (await credits.reading()).per_key == {"key-1": 98.0}
