"""Fixtures for the payments tests: both simulators and the end-to-end `Harness` (the
whole process over the session's real redis-server), as in tests/e2e."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.fixtures import harness, kie, telegram
from tests.payments.service_support import Shop, make_shop

__all__ = ["harness", "kie", "shop", "telegram"]


@pytest.fixture
async def shop(redis: Redis, telegram: TelegramSimulator) -> AsyncIterator[Shop]:
    made = make_shop(redis, telegram)
    yield made
    await made.bot.session.close()
