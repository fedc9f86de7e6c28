"""`kiebot demo`: the process wired to the in-process simulators, with scripted users.

Until the job pipeline exists (issue 3) the demo is a smoke run of every part built so
far: each virtual user sends /start to the real bot (aiogram over the Telegram simulator)
and gets the greeting, then one image is generated at the KIE simulator through the real
KIE client and sent to the user's chat as a photo. It prints the conversation as it
happens. Redis is used when one answers at KIEBOT_REDIS_URL (under a separate key prefix,
so a production database is not touched), else fakeredis serves as an in-process store.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace

import aiohttp
import fakeredis
from aiogram import Bot, Dispatcher
from aiogram.types import BufferedInputFile
from pydantic import SecretStr
from redis.asyncio import Redis

from kiebot.app import build_dispatcher, create_bot, create_kie_client
from kiebot.config import Settings
from kiebot.kie import KieClient, KieError, TaskState
from kiebot.lifecycle import stop_event
from kiebot.logs import setup_logging
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser, TelegramSimulator
from kiebot.store import StoreUnavailable, create_redis, ensure_reachable

DEMO_MODEL = "z-image"
PROMPTS = (
    "a lighthouse on a cliff at dawn, oil painting",
    "a red fox in fresh snow, photograph",
    "a tiny robot watering a bonsai, isometric render",
    "a night market in the rain, neon reflections",
)
NAMES = ("Anna", "Boris", "Chloe", "Dmitri", "Emma", "Fyodor")
USER_ID_BASE = 5_000_000_000  # above 2**32, as real Telegram ids can be
WAIT_S = 60.0


@dataclass(slots=True)
class Outcome:
    user: SimUser
    greeted: bool = False
    delivered: bool = False
    detail: str = ""


def say(who: str, line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  {who:<16} {line}", flush=True)


async def run_demo(settings: Settings, *, users: int, exit_when_done: bool) -> int:
    setup_logging(level="WARNING", json=False, secrets=settings.secrets())
    async with AsyncExitStack() as stack:
        telegram, kie_sim = await _start_simulators(stack)
        demo_settings = _point_at(settings, telegram, kie_sim)
        redis = await _open_store(settings, stack)
        kie = create_kie_client(demo_settings, stack)
        media = await stack.enter_async_context(aiohttp.ClientSession())
        bot = create_bot(demo_settings, telegram.token)
        stack.push_async_callback(bot.session.close)
        dispatcher = build_dispatcher(demo_settings, redis, kie)
        polling = asyncio.create_task(_poll(dispatcher, bot))
        try:
            outcomes = await asyncio.gather(
                *(_converse(telegram, bot, kie, media, _user(i)) for i in range(users))
            )
            _summary(outcomes)
            if not exit_when_done:
                say("demo", "the bot keeps running; Ctrl-C stops it")
                await stop_event().wait()
        finally:
            await dispatcher.stop_polling()
            await polling
    return 0 if all(o.greeted and o.delivered for o in outcomes) else 1


async def _start_simulators(stack: AsyncExitStack) -> tuple[TelegramSimulator, KieSimulator]:
    telegram = TelegramSimulator()
    await telegram.start(host="127.0.0.1", port=0)
    stack.push_async_callback(telegram.close)
    kie = KieSimulator()
    await kie.start(host="127.0.0.1", port=0)
    stack.push_async_callback(kie.close)
    kie.set_model_duration(DEMO_MODEL, 3.0, sigma=0.4)
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
    )


async def _open_store(settings: Settings, stack: AsyncExitStack) -> Redis:
    redis = create_redis(settings.redis_url.get_secret_value(), pool_size=4, timeout_s=1.0)
    try:
        await ensure_reachable(redis)
    except StoreUnavailable:
        await redis.aclose()
        say("demo", "no Redis answered at KIEBOT_REDIS_URL: using an in-process store")
        redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    else:
        say("demo", "using the Redis at KIEBOT_REDIS_URL")
    stack.push_async_callback(redis.aclose)
    return redis


async def _poll(dispatcher: Dispatcher, bot: Bot) -> None:
    await dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)


def _user(index: int) -> SimUser:
    return SimUser(
        id=USER_ID_BASE + index,
        first_name=NAMES[index % len(NAMES)],
        language_code="ru" if index % 2 else "en",
    )


async def _converse(
    telegram: TelegramSimulator,
    bot: Bot,
    kie: KieClient,
    media: aiohttp.ClientSession,
    user: SimUser,
) -> Outcome:
    outcome = Outcome(user)
    who = f"{user.first_name} ({user.language_code})"
    say(who, "-> /start")
    telegram.send_text(user, "/start")
    greeting = await telegram.wait_for(user.id, lambda m: bool(m.text), timeout=WAIT_S)
    outcome.greeted = True
    say(who, f"<- {greeting.text.splitlines()[0] if greeting.text else ''}")
    prompt = PROMPTS[user.id % len(PROMPTS)]
    try:
        await _generate_and_send(bot, kie, media, user, prompt, who)
    except (KieError, aiohttp.ClientError, TimeoutError) as exc:
        outcome.detail = f"{type(exc).__name__}: {exc}"
        say(who, f"!! generation failed: {outcome.detail}")
        return outcome
    photo = await telegram.wait_for(user.id, lambda m: m.kind == "photo", timeout=WAIT_S)
    outcome.delivered = True
    say(who, f"<- photo (message {photo.message_id}) with caption {photo.caption!r}")
    return outcome


async def _generate_and_send(
    bot: Bot, kie: KieClient, media: aiohttp.ClientSession, user: SimUser, prompt: str, who: str
) -> None:
    say(who, f"-> generate {DEMO_MODEL}: {prompt!r}")
    created = await kie.create_task(DEMO_MODEL, {"prompt": prompt, "aspect_ratio": "1:1"})
    say(who, f"   KIE task {created.task_id} created")
    record = await kie.get_task(created.task_id, created.key_id)
    deadline = time.monotonic() + WAIT_S
    while record.state not in (TaskState.SUCCESS, TaskState.FAIL):
        if time.monotonic() > deadline:
            raise TimeoutError("the KIE task did not finish in time")
        await asyncio.sleep(1.0)
        record = await kie.get_task(created.task_id, created.key_id)
    if record.state is TaskState.FAIL:
        raise KieError(f"task failed: {record.fail_msg}")
    say(who, f"   KIE task {created.task_id} succeeded")
    async with media.get(record.result_urls[0]) as reply:
        reply.raise_for_status()
        image = await reply.read()
    await bot.send_photo(user.id, BufferedInputFile(image, "result.png"), caption=prompt)


def _summary(outcomes: list[Outcome]) -> None:
    served = sum(o.greeted and o.delivered for o in outcomes)
    say("demo", f"summary: {served} of {len(outcomes)} users got their image")
    for outcome in outcomes:
        if not (outcome.greeted and outcome.delivered):
            say("demo", f"  user {outcome.user.id} not served: {outcome.detail or 'no reply'}")
