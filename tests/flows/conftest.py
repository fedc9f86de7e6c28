"""Fixtures for the product-surface tests: the whole process, every model quick.

Like `tests/e2e`, but every model of the bundled catalog generates in a fraction of a
second at the KIE simulator and is first checked soon after (a catalog copy with short
`typical_s`), and users start with enough credits for videos.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest
from redis.asyncio import Redis

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.fixtures import telegram
from tests.e2e.harness import GENERATION_S, Harness
from tests.support.redis_server import RedisServer

CREDITS = 500

__all__ = ["harness", "kie", "quick_catalog", "telegram"]


def quick_catalog(directory: Path) -> Path:
    """The bundled catalog with every model's first check due soon."""
    text = resources.files("kiebot.catalog").joinpath("catalog.toml").read_text("utf-8")
    text = re.sub(r"(?m)^typical_s = .*$", f"typical_s = {GENERATION_S}", text)
    path = directory / "quick-catalog.toml"
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
async def kie() -> AsyncIterator[KieSimulator]:
    simulator = KieSimulator()
    await simulator.start(host="127.0.0.1", port=0)
    for model in simulator.models:
        simulator.set_model_duration(model, GENERATION_S)
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
    running.base = replace(
        running.base, catalog_path=quick_catalog(tmp_path), starting_credits=CREDITS
    )
    yield running
    await running.stop()
