"""The composition root: builds every part in one visible place, starts and stops them.

Order of start: logging, Redis (must answer, else exit 2), the KIE HTTP client, the Bot,
the Dispatcher, then long polling. Stop runs in reverse through one `AsyncExitStack`, so a
part is closed by whoever opened it and nothing is closed twice.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import AsyncExitStack

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from loguru import logger
from redis.asyncio import Redis

from kiebot.bot.middlewares import LogContextMiddleware
from kiebot.bot.router import build_router
from kiebot.config import Settings
from kiebot.kie import Backoff, KeyPool, KieClient, create_kie_session
from kiebot.lifecycle import stop_event
from kiebot.logs import setup_logging
from kiebot.store import Keys, Scripts, StoreUnavailable, create_redis, ensure_reachable

EXIT_UNREACHABLE = 2


def create_bot(settings: Settings, token: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_kie_client(settings: Settings, stack: AsyncExitStack) -> KieClient:
    session = create_kie_session(
        pool_size=settings.http_pool_size, timeout_s=settings.kie_timeout_s
    )
    stack.push_async_callback(session.close)
    pool = KeyPool(
        [k.get_secret_value() for k in settings.kie_api_keys],
        create_limit=settings.kie_create_limit,
        create_window_s=settings.kie_create_window_s,
        read_limit=settings.kie_read_limit,
        read_window_s=settings.kie_read_window_s,
    )
    return KieClient(
        session,
        pool,
        api_url=settings.kie_api_url,
        upload_url=settings.kie_upload_url,
        backoff=Backoff(max_attempts=settings.kie_max_attempts),
    )


async def open_redis(settings: Settings, stack: AsyncExitStack) -> Redis:
    redis = create_redis(
        settings.redis_url.get_secret_value(),
        pool_size=settings.redis_pool_size,
        timeout_s=settings.redis_timeout_s,
    )
    stack.push_async_callback(redis.aclose)
    await ensure_reachable(redis)
    return redis


def build_dispatcher(settings: Settings, redis: Redis, kie: KieClient) -> Dispatcher:
    """Shared objects go in once, as workflow data; handlers get them by parameter name."""
    dispatcher = Dispatcher(
        settings=settings, redis=redis, keys=Keys(), scripts=Scripts(redis), kie=kie
    )
    dispatcher.update.outer_middleware(LogContextMiddleware())
    dispatcher.include_router(build_router())
    return dispatcher


async def run_app(settings: Settings) -> int:
    setup_logging(level=settings.log_level, json=settings.log_json, secrets=settings.secrets())
    if settings.bot_token is None:  # load_settings already refuses this for `run`
        return EXIT_UNREACHABLE
    async with AsyncExitStack() as stack:
        try:
            redis = await open_redis(settings, stack)
        except StoreUnavailable as exc:
            print(f"kiebot: {exc} (KIEBOT_REDIS_URL)", file=sys.stderr)
            return EXIT_UNREACHABLE
        kie = create_kie_client(settings, stack)
        bot = create_bot(settings, settings.bot_token.get_secret_value())
        stack.push_async_callback(bot.session.close)
        dispatcher = build_dispatcher(settings, redis, kie)
        await _poll_until_signalled(dispatcher, bot)
    logger.info("stopped")
    return 0


async def _poll_until_signalled(dispatcher: Dispatcher, bot: Bot) -> None:
    stop = stop_event()
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    logger.info("polling Telegram for updates")
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not polling.done():
        logger.info("signal received: stopping")
        await dispatcher.stop_polling()
    stopped.cancel()
    await polling
