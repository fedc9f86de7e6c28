"""Fixtures for the KIE simulator's tests: a started simulator, a client, a callback receiver.

Everything runs over real HTTP on loopback. Time is the simulator's own clock, moved with
`sim.advance()`, so the tests never sleep to wait for a task.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from kiebot.sim.kie import KieSimulator
from tests.sim.kie.kie_sim_helpers import Kie, Receiver, fast_config


@pytest.fixture
async def sim() -> AsyncIterator[KieSimulator]:
    simulator = KieSimulator(fast_config())
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def kie(http: aiohttp.ClientSession, sim: KieSimulator) -> Kie:
    return Kie(http, sim)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.callback)
    app.router.add_get("/files/{name}", rec.file)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    rec.url = f"http://{host}:{port}"
    yield rec
    await runner.cleanup()
