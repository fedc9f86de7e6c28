"""Delivering a big video does not hold it in memory (DESIGN invariant 6).

The Telegram simulator runs in a child process (it keeps what it receives, as Telegram
does); the media host and the Bot run here, under tracemalloc. The 30 MB body is made on
the fly from one reused chunk, so any growth measured is the delivery's own buffering.
"""

from __future__ import annotations

import asyncio
import sys
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from kiebot.delivery import Delivery, Pacer
from kiebot.sim.media import mp4_bytes
from kiebot.sim.telegram import DEFAULT_TOKEN
from tests.delivery.conftest import make_bot
from tests.delivery.helpers import FAST_PACING, MediaHost

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RemoteSim:
    url: str
    process: asyncio.subprocess.Process


@pytest.fixture
async def remote_sim() -> AsyncIterator[RemoteSim]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.delivery.sim_process",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    async with asyncio.timeout(15):
        url = (await process.stdout.readline()).decode().strip()
    yield RemoteSim(url, process)
    process.stdin.close()
    async with asyncio.timeout(10):
        await process.wait()


async def test_a_30_mb_video_is_streamed_not_held(
    remote_sim: RemoteSim, media: aiohttp.ClientSession, host: MediaHost
) -> None:
    sim = remote_sim.url
    async with media.post(f"{sim}/_sim/users", json={"user": {"id": 501, "first_name": "M"}}):
        pass
    bot = make_bot(sim, DEFAULT_TOKEN)
    delivery = Delivery(bot, media, Pacer(FAST_PACING), backoff_s=0.01)
    small = host.add_stream("/r/warm.mp4", 256 * 1024, "video/mp4", head=mp4_bytes(1024))
    big = host.add_stream("/r/big.mp4", 30 * MB, "video/mp4", head=mp4_bytes(1024))

    tracemalloc.start()
    try:
        # One small delivery first: connections, aiogram's and pydantic's one-time caches.
        await delivery.send_result(501, small, kind="video")
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        done = await delivery.send_result(501, big, kind="video", caption="big one")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await bot.session.close()

    assert (done.method, done.size) == ("video", 30 * MB)
    print(f"peak growth while delivering 30 MB: {(peak - before) / MB:.2f} MB")
    assert peak - before < 3 * MB, f"peak grew by {(peak - before) / MB:.1f} MB"
    async with media.get(f"{sim}/_sim/chats/501") as response:
        stored = (await response.json())["messages"][-1]["file"]
    assert stored["size"] == 30 * MB
