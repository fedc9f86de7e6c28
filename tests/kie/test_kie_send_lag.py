"""The read budget against the KIE simulator when calls leave late (issue 3's 429).

Under load the event loop lags between a budget grant and the request reaching KIE, and
KIE counts a call when it arrives. Here the lag is made on purpose: an aiohttp trace hook
holds chosen GETs back after their grant, before the connection is even taken. The
simulator runs KIE's own read limit (10 per second) and counts arrivals in its handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from types import SimpleNamespace

import aiohttp
import pytest

from kiebot.kie import KeyPool, KieClient
from kiebot.sim.kie import KieSimulator

READ_LIMIT = 10  # the simulator's default, KIE's documented recordInfo limit per second
# Longer than the read budget's 50 ms slack, which was all that covered such a lag.
LAG_S = 0.15


class LateSends:
    """Holds each GET back by the next of `lags` seconds between its grant and the wire."""

    def __init__(self, lags: Iterable[float]) -> None:
        self._lags = iter(lags)
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._hold)

    async def _hold(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if params.method == "GET":
            await asyncio.sleep(next(self._lags, 0.0))


@pytest.fixture
async def lagging_client(kie: KieSimulator) -> AsyncIterator[KieClient]:
    # The whole first burst of reads is late; the reads after it go out at once.
    late = LateSends([LAG_S] * READ_LIMIT)
    session = aiohttp.ClientSession(
        trace_configs=[late.trace], timeout=aiohttp.ClientTimeout(total=10.0)
    )
    yield KieClient(session, KeyPool(kie.config.keys), api_url=kie.url, upload_url=kie.url)
    await session.close()


async def test_reads_sent_late_do_not_put_eleven_in_kies_second(
    lagging_client: KieClient, kie: KieSimulator
) -> None:
    """Regression: a slot counted from its grant let read 11 reach KIE within a second of
    read 1, which had left 150 ms after its grant. Counted from the answer, it cannot."""
    created = await lagging_client.create_task(
        "z-image", {"prompt": "a late lighthouse", "aspect_ratio": "1:1"}
    )
    reads = [
        lagging_client.get_task(created.task_id, created.key_id) for _ in range(2 * READ_LIMIT)
    ]
    records = await asyncio.gather(*reads)

    assert [r.task_id for r in records] == [created.task_id] * len(reads)
    (key,) = kie.config.keys  # the simulator counts by the raw key
    counters = kie.stats.key(key)
    assert counters.max_reads_in_window <= READ_LIMIT, counters
    assert kie.stats.totals.rate_limited == 0
    assert counters.read_attempts == 2 * READ_LIMIT  # nothing was refused and resent
