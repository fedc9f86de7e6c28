"""The end-to-end fixtures, shared by every suite that runs the whole process.

Both simulators and a `Harness` over the session's real redis-server. `harness` starts no
process: a test calls `await harness.start(**settings_overrides)`, so each test picks its
limits (queue size, concurrency, catalog). Every process still running at the end is
stopped before the simulators close. A suite's conftest re-exports what it uses:

    from tests.e2e.fixtures import harness, kie, telegram

    __all__ = ["harness", "kie", "telegram"]
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.harness import GENERATION_S, MODEL, Harness, fast_telegram_config
from tests.support.redis_server import RedisServer


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramSimulator]:
    simulator = TelegramSimulator(fast_telegram_config())
    await simulator.start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.close()


@pytest.fixture
async def kie() -> AsyncIterator[KieSimulator]:
    simulator = KieSimulator()
    await simulator.start(host="127.0.0.1", port=0)
    simulator.set_model_duration(MODEL, GENERATION_S)
    yield simulator
    await simulator.close()


@pytest.fixture
async def harness(
    telegram: TelegramSimulator,
    kie: KieSimulator,
    redis: Redis,  # flushes the database before the test
    redis_server: RedisServer,
    tmp_path: Path,
) -> AsyncIterator[Harness]:
    running = Harness(telegram, kie, redis_server.url, tmp_path)
    yield running
    await running.stop()
