"""`kiebot demo`: the whole process wired to the in-process simulators, with scripted users.

Each virtual user sends /start, then a prompt, and waits for the image in the chat: the
real bot (aiogram over the Telegram simulator), the real scheduler, KIE client, poller,
delivery and money code (over the KIE simulator). It prints the conversation as it
happens and the admin server's address. Redis is used when one answers at
KIEBOT_REDIS_URL (under a separate key prefix, so a production database is not touched),
else fakeredis, running the same Lua scripts, serves as an in-process store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace

import fakeredis
from pydantic import SecretStr
from redis.asyncio import Redis

from kiebot.app import Process, build_process
from kiebot.config import ListenAddress, Settings
from kiebot.lifecycle import stop_event
from kiebot.logs import setup_logging
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SentMessage, SimUser, TelegramSimulator
from kiebot.store import Keys, StoreUnavailable, create_redis, ensure_reachable

DEMO_KEYS = Keys(prefix="kbdemo:")
PROMPTS = (
    "a lighthouse on a cliff at dawn, oil painting",
    "a red fox in fresh snow, photograph",
    "a tiny robot watering a bonsai, isometric render",
    "a night market in the rain, neon reflections",
)
NAMES = ("Anna", "Boris", "Chloe", "Dmitri", "Emma", "Fyodor")
USER_ID_BASE = 5_000_000_000  # above 2**32, as real Telegram ids can be
WAIT_S = 120.0


@dataclass(slots=True)
class Outcome:
    user: SimUser
    delivered: bool = False
    detail: str = ""


def say(who: str, line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  {who:<16} {line}", flush=True)


async def run_demo(settings: Settings, *, users: int, exit_when_done: bool) -> int:
    setup_logging(level="WARNING", json=False, secrets=settings.secrets())
    async with AsyncExitStack() as stack:
        telegram, kie = await _start_simulators(stack)
        redis = await _open_store(settings, stack)
        await _clear_demo_keys(redis)
        process = await build_process(
            _point_at(settings, telegram, kie), redis, stack, keys=DEMO_KEYS
        )
        say("demo", f"admin pages at {process.admin_url}/ ({_login_hint(settings)})")
        polling = asyncio.create_task(_poll(process))
        try:
            outcomes = await asyncio.gather(
                *(_converse(telegram, _user(i), PROMPTS[i % len(PROMPTS)]) for i in range(users))
            )
            _summary(outcomes)
            if not exit_when_done:
                say("demo", "the bot keeps running; Ctrl-C stops it")
                await stop_event().wait()
        finally:
            await process.dispatcher.stop_polling()
            await polling
    return 0 if all(o.delivered for o in outcomes) else 1


def _login_hint(settings: Settings) -> str:
    """The generated token is printed (never logged), as `kiebot run` does."""
    token = settings.admin_token
    if settings.admin_token_generated and token is not None:
        return f"admin token {token.get_secret_value()}"
    return "log in with KIEBOT_ADMIN_TOKEN"


async def _start_simulators(stack: AsyncExitStack) -> tuple[TelegramSimulator, KieSimulator]:
    telegram = TelegramSimulator()
    await telegram.start(host="127.0.0.1", port=0)
    stack.push_async_callback(telegram.close)
    kie = KieSimulator()
    await kie.start(host="127.0.0.1", port=0)
    stack.push_async_callback(kie.close)
    kie.set_model_duration("z-image", 4.0, sigma=0.4)
    say("demo", f"Telegram simulator at {telegram.url}, KIE simulator at {kie.url}")
    return telegram, kie


def _point_at(settings: Settings, telegram: TelegramSimulator, kie: KieSimulator) -> Settings:
    return replace(
        settings,
        bot_token=SecretStr(telegram.token),
        telegram_api_url=telegram.url,
        kie_api_keys=tuple(SecretStr(k) for k in kie.config.keys),
        kie_api_url=kie.url,
        kie_upload_url=kie.url,
        public_url=None,
        admin_listen=ListenAddress(settings.admin_listen.host, 0),
    )


async def _open_store(settings: Settings, stack: AsyncExitStack) -> Redis:
    redis = create_redis(settings.redis_url.get_secret_value(), pool_size=8, timeout_s=1.0)
    try:
        await ensure_reachable(redis)
    except StoreUnavailable:
        await redis.aclose()
        say("demo", "no Redis answered at KIEBOT_REDIS_URL: using an in-process store")
        redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    else:
        say("demo", f"using the Redis at KIEBOT_REDIS_URL (keys under {DEMO_KEYS.prefix})")
    stack.push_async_callback(redis.aclose)
    return redis


async def _clear_demo_keys(redis: Redis) -> None:
    """Each demo starts from a clean slate; only the demo's own prefix is touched."""
    async for key in redis.scan_iter(match=f"{DEMO_KEYS.prefix}*", count=500):
        await redis.delete(key)


async def _poll(process: Process) -> None:
    await process.dispatcher.start_polling(
        process.bot, handle_signals=False, close_bot_session=False
    )


def _user(index: int) -> SimUser:
    return SimUser(
        id=USER_ID_BASE + index,
        first_name=NAMES[index % len(NAMES)],
        language_code="ru" if index % 2 else "en",
    )


async def _converse(telegram: TelegramSimulator, user: SimUser, prompt: str) -> Outcome:
    outcome = Outcome(user)
    who = f"{user.first_name} ({user.language_code})"
    say(who, "-> /start")
    telegram.send_text(user, "/start")
    greeting = await telegram.wait_for(user.id, lambda m: bool(m.text), timeout=WAIT_S)
    say(who, f"<- {_first_line(greeting)}")
    say(who, f"-> {prompt!r}")
    telegram.send_text(user, prompt)
    try:
        status = await telegram.wait_for(user.id, _is_status(greeting), timeout=WAIT_S)
        say(who, f"<- {_first_line(status)}")
        photo = await telegram.wait_for(user.id, lambda m: m.kind == "photo", timeout=WAIT_S)
    except TimeoutError:
        outcome.detail = "no result in time"
        say(who, "!! no result in time")
        return outcome
    outcome.delivered = True
    say(who, f"<- photo (message {photo.message_id}, {photo.file_size} bytes)")
    final = await telegram.wait_for(user.id, _is_final(status.message_id), timeout=WAIT_S)
    say(who, f"<- status now: {_first_line(final)}")
    return outcome


def _is_status(greeting: SentMessage) -> Callable[[SentMessage], bool]:
    return lambda m: m.kind == "text" and m.message_id != greeting.message_id


def _is_final(message_id: int) -> Callable[[SentMessage], bool]:
    return lambda m: m.message_id == message_id and (m.text or "").startswith("✅")


def _first_line(message: SentMessage) -> str:
    return (message.text or "").splitlines()[0] if message.text else ""


def _summary(outcomes: list[Outcome]) -> None:
    served = sum(o.delivered for o in outcomes)
    say("demo", f"summary: {served} of {len(outcomes)} users got their image")
    for outcome in outcomes:
        if not outcome.delivered:
            say("demo", f"  user {outcome.user.id} not served: {outcome.detail}")
