"""Every log line written while an update is handled carries its user_id."""

from __future__ import annotations

import io

import orjson
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from loguru import logger

from kiebot.bot.middlewares import LogContextMiddleware
from kiebot.logs import setup_logging
from kiebot.sim.telegram import SimUser, TelegramSimulator


async def test_log_lines_of_an_update_carry_the_user_id(telegram: TelegramSimulator) -> None:
    stream = io.StringIO()
    setup_logging(level="INFO", json=True, stream=stream)
    bot = Bot(telegram.token, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(LogContextMiddleware())

    @dispatcher.message()
    async def echo(message: Message) -> None:
        logger.info("handling a message")

    user = SimUser(id=2**40, first_name="Zoe")
    injected = telegram.send_text(user, "hello")
    try:
        updates = await bot.get_updates(timeout=0)
        await dispatcher.feed_update(bot, updates[0])
    finally:
        await bot.session.close()
    [line] = [orjson.loads(x) for x in stream.getvalue().splitlines() if "handling" in x]
    assert line["user_id"] == user.id
    assert line["update_id"] == injected.update_id
    logger.info("outside any update")
    outside = orjson.loads(stream.getvalue().splitlines()[-1])
    assert "user_id" not in outside
