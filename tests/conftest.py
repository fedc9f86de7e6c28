"""Shared fixtures: a real redis-server with a clean client per test, and both simulators
with their defaults on loopback (a directory's conftest may override them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from loguru import logger
from redis.asyncio import Redis

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import TelegramSimulator
from kiebot.store import create_redis
from tests.support.redis_server import RedisServer, find_redis_server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    binary = find_redis_server()
    if binary is None:
        pytest.exit("redis-server is not installed; scripts/test installs it", returncode=3)
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = create_redis(redis_server.url, pool_size=8, timeout_s=2.0)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture(autouse=True)
def _quiet_loguru() -> Iterator[None]:
    """Tests that read logs install their own sink; others should not spray stderr."""
    logger.remove()
    yield
    logger.remove()


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramSimulator]:
    simulator = TelegramSimulator()
    await simulator.start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.close()


@pytest.fixture
async def kie() -> AsyncIterator[KieSimulator]:
    simulator = KieSimulator()
    await simulator.start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.close()
