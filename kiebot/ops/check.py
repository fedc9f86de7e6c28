"""`kiebot check`: one line per check, exit 0 when every remote answered, 1 otherwise.

Each check has its own timeout so one dead remote does not hide the others, and each
failure line is passed through the log redactor: an exception's text can hold a URL.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import TextIO

from aiogram.exceptions import TelegramAPIError
from aiohttp import ClientError
from redis.exceptions import RedisError

from kiebot.app import create_bot, create_kie_client
from kiebot.config import Settings
from kiebot.errors import KiebotError
from kiebot.logs import Redactor, setup_logging
from kiebot.store import create_redis, ensure_reachable

CHECK_TIMEOUT_S = 10.0
_EXPECTED = (KiebotError, TelegramAPIError, ClientError, RedisError, TimeoutError, OSError)

Check = Callable[[], Awaitable[str]]


async def run_checks(settings: Settings, out: TextIO = sys.stdout) -> int:
    redactor = setup_logging(level="WARNING", json=False, secrets=settings.secrets())
    print(f"ok    config    {len(settings.kie_api_keys)} KIE key(s)", file=out)
    async with AsyncExitStack() as stack:
        checks = _checks(settings, stack)
        results = [await _run(name, check, redactor, out) for name, check in checks.items()]
    return 0 if all(results) else 1


def _checks(settings: Settings, stack: AsyncExitStack) -> dict[str, Check]:
    async def redis() -> str:
        client = create_redis(settings.redis_url.get_secret_value(), timeout_s=3.0)
        stack.push_async_callback(client.aclose)
        await ensure_reachable(client)
        info = await client.info("server")
        return f"Redis {info.get('redis_version', '?')}"

    async def telegram() -> str:
        token = settings.bot_token.get_secret_value() if settings.bot_token else ""
        bot = create_bot(settings, token)
        stack.push_async_callback(bot.session.close)
        me = await bot.get_me()
        return f"@{me.username} (id {me.id})"

    async def kie() -> str:
        client = create_kie_client(settings, stack)
        credits = await client.get_credits()
        return ", ".join(f"{key}: {amount:g} credits" for key, amount in credits.items())

    return {"redis": redis, "telegram": telegram, "kie": kie}


async def _run(name: str, check: Check, redactor: Redactor, out: TextIO) -> bool:
    try:
        detail = await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except _EXPECTED as exc:
        reason = str(exc) or type(exc).__name__
        print(redactor(f"FAIL  {name:<9} {reason}"), file=out)
        return False
    print(redactor(f"ok    {name:<9} {detail}"), file=out)
    return True
