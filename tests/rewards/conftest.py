"""Fixtures for the rewards tests: both simulators and the end-to-end `Harness` (the
whole process over the session's real redis-server), as in tests/e2e."""

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
