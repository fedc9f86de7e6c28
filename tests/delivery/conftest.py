"""Fixtures: the Telegram simulator, a real aiogram Bot on it, a media host, the KIE
simulator, and a `Delivery` wired to them with fast settings. Everything is real HTTP on
loopback; nothing is mocked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from kiebot.delivery import Delivery, Pacer
from kiebot.delivery.session import BotSession
from kiebot.sim.kie import KieSimConfig, KieSimulator
from kiebot.sim.telegram import SimUser, TelegramSimulator
from tests.delivery.helpers import FAST_PACING, MediaHost, fast_sim_config, start_media_host

ANNA = SimUser(id=2**32 + 77, first_name="Anna", username="anna", language_code="ru")


class LoopbackSession(BotSession):
    """The bot's session, closed without aiogram's 250 ms pause.

    The pause lets TLS connections shut down cleanly; these are plain loopback HTTP, and
    the pause would add a quarter second to every test.
    """

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(url: str, token: str) -> Bot:
    """Built like `kiebot.app.create_bot`: the API base, HTML as the default parse mode."""
    session = LoopbackSession(api=TelegramAPIServer.from_base(url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@pytest.fixture
async def tg() -> AsyncIterator[TelegramSimulator]:
    simulator = TelegramSimulator(fast_sim_config())
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
async def bot(tg: TelegramSimulator) -> AsyncIterator[Bot]:
    client = make_bot(tg.url, tg.token)
    yield client
    await client.session.close()


@pytest.fixture
async def media() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def host() -> AsyncIterator[MediaHost]:
    media_host, runner = await start_media_host()
    yield media_host
    await runner.cleanup()


@pytest.fixture
async def kie() -> AsyncIterator[KieSimulator]:
    simulator = KieSimulator(KieSimConfig(seed=3))
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
def chat_id(tg: TelegramSimulator) -> int:
    """Anna's private chat, opened (she has pressed /start)."""
    return tg.open_chat(ANNA)


@pytest.fixture
def pacer() -> Pacer:
    return Pacer(FAST_PACING)


@pytest.fixture
async def delivery(bot: Bot, media: aiohttp.ClientSession, pacer: Pacer) -> AsyncIterator[Delivery]:
    service = Delivery(bot, media, pacer, backoff_s=0.01, status_interval_s=0.3)
    yield service
    await service.aclose()
