"""The baseline: a bare aiogram echo bot (long polling, one handler, nothing else).

`python -m kiebot.bench.echo` with BENCH_ECHO_TOKEN and BENCH_ECHO_API (the Telegram
simulator's URL). Its RSS and reply latency are what "the framework alone" costs, so the
benchmark can tell kiebot's own overhead from aiogram's.
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def echo(message: Message) -> None:
    await message.answer(message.text or "?")


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["BENCH_ECHO_API"]))
    bot = Bot(os.environ["BENCH_ECHO_TOKEN"], session=session)
    dispatcher = Dispatcher()
    dispatcher.message.register(echo)
    await dispatcher.start_polling(bot)  # stops on SIGTERM / SIGINT


if __name__ == "__main__":
    asyncio.run(main())
