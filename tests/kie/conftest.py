"""Fixtures for the KIE client tests: a scripted fake KIE, a session, a client factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import aiohttp
import pytest

from kiebot.kie import Backoff, KeyPool, KieClient, create_kie_session
from tests.kie.fake_kie import FakeKie

KEY_A = "sk-test-key-aaaaaaaaaaaaaaaa"
KEY_B = "sk-test-key-bbbbbbbbbbbbbbbb"
KEY_C = "sk-test-key-cccccccccccccccc"


class SleepLog:
    """An injected sleep that records each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def ceiling_jitter(low: float, high: float) -> float:
    """A 'random' that always picks the top of the range: waits become predictable."""
    return high


@pytest.fixture
async def fake() -> AsyncIterator[FakeKie]:
    server = FakeKie()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    # A short read timeout so that the timeout tests finish quickly.
    kie_session = create_kie_session(timeout_s=0.5, connect_timeout_s=1.0)
    yield kie_session
    await kie_session.close()


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


ClientFactory = Callable[..., KieClient]


@pytest.fixture
def make_client(fake: FakeKie, session: aiohttp.ClientSession, sleeps: SleepLog) -> ClientFactory:
    """Build a client against the fake; keyword arguments go to the pool and backoff."""

    def build(
        keys: Sequence[str] = (KEY_A,),
        *,
        max_attempts: int = 4,
        base: float = 0.5,
        cap: float = 2.0,
        url: str | None = None,
        **pool_options: Any,
    ) -> KieClient:
        pool = KeyPool(keys, **pool_options)
        backoff = Backoff(
            base=base, cap=cap, max_attempts=max_attempts, uniform=ceiling_jitter, sleep=sleeps
        )
        return KieClient(
            session, pool, api_url=url or fake.url, upload_url=url or fake.url, backoff=backoff
        )

    return build
