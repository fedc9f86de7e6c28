"""Flood control for real: concurrent sends against the simulator's token buckets.

The simulator counts every request made while Telegram had told the bot to wait
(`retry_after_violations`) and the most messages it let through in any one second. The
rates here are scaled up from Telegram's (so the tests take about a second each); what
matters is how the Pacer's limits sit against the simulator's.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiogram import Bot

from kiebot.delivery import Delivery, Limit, Pacer, PacingLimits
from kiebot.sim.telegram import SimChat, SimUser, TelegramSimulator
from tests.delivery.conftest import ANNA

LOOSE = Limit(rate=1000.0, burst=1000.0)


class SleepWatch:
    """The Pacer's sleep, real, but telling the test when the first wait begins."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waiting.set()
        await asyncio.sleep(seconds)


def users(count: int) -> list[SimUser]:
    return [SimUser(id=10_000 + n, first_name=f"U{n}") for n in range(count)]


def delivery_with(bot: Bot, media: aiohttp.ClientSession, limits: PacingLimits) -> Delivery:
    return Delivery(bot, media, Pacer(limits), backoff_s=0.01)


async def test_forty_messages_to_one_chat_stay_under_its_limit(
    bot: Bot, media: aiohttp.ClientSession, tg: TelegramSimulator, chat_id: int
) -> None:
    tg.set_knobs(per_chat_rate=30.0, per_chat_burst=3.0)
    delivery = delivery_with(bot, media, PacingLimits(chat=Limit(rate=30.0, burst=2.0)))

    await asyncio.gather(*(delivery.send_text(chat_id, f"#{n}") for n in range(40)))

    assert sorted(m.text or "" for m in tg.chat(chat_id)) == sorted(f"#{n}" for n in range(40))
    assert tg.stats.responses_429 == 0
    assert tg.stats.retry_after_violations == 0
    assert tg.stats.max_rate_per_chat <= 2 + 30  # our burst plus one second of our rate


async def test_a_hundred_messages_across_chats_stay_under_the_overall_limit(
    bot: Bot, media: aiohttp.ClientSession, tg: TelegramSimulator
) -> None:
    tg.set_knobs(global_rate=80.0, global_burst=10.0, group_rate=8.0, group_burst=2.0)
    limits = PacingLimits(
        overall=Limit(rate=80.0, burst=8.0),
        chat=Limit(rate=40.0, burst=8.0),
        group=Limit(rate=8.0, burst=1.0),
    )
    delivery = delivery_with(bot, media, limits)
    people = users(23)
    chats = [tg.open_chat(user) for user in people]
    group = SimChat(id=-100_777, title="Fox fans")
    tg.send_text(ANNA, "hi all", chat=group)  # the bot is in the group now
    targets = [chats[n % len(chats)] for n in range(92)] + [group.id] * 8

    await asyncio.gather(*(delivery.send_text(chat, f"to {chat}") for chat in targets))

    assert sum(len(tg.chat(chat)) for chat in chats) == 92
    assert len(tg.chat(group.id)) == 8
    assert tg.stats.responses_429 == 0
    assert tg.stats.retry_after_violations == 0
    # Telegram's limit as set above; the pacer's own bound (8 + 80) is measured here on
    # arrival, where loopback jitter can bunch one more request into a second.
    assert tg.stats.max_rate_overall <= 10 + 80


async def test_a_chat_flood_429_is_waited_out_without_violations(
    bot: Bot, media: aiohttp.ClientSession, tg: TelegramSimulator, chat_id: int
) -> None:
    tg.set_knobs(per_chat_rate=5.0, per_chat_burst=2.0)  # stricter than the Pacer believes
    delivery = delivery_with(bot, media, PacingLimits(chat=LOOSE, overall=LOOSE))
    started = asyncio.get_running_loop().time()

    # Few at once: requests already on the wire when the 429 comes are not the bot's
    # fault, and the simulator forgives them only within its 50 ms grace.
    await asyncio.gather(*(delivery.send_text(chat_id, f"#{n}") for n in range(5)))

    elapsed = asyncio.get_running_loop().time() - started
    assert len(tg.chat(chat_id)) == 5
    assert tg.stats.responses_429 > 0  # provoked...
    assert tg.stats.retry_after_violations == 0  # ...and obeyed
    assert elapsed >= 2.0  # two waits of "retry after 1": 2 + 2 + 1 messages
    assert tg.stats.calls["sendMessage"] == 5 + tg.stats.responses_429


async def test_a_bot_wide_flood_makes_every_chat_wait(
    bot: Bot, media: aiohttp.ClientSession, tg: TelegramSimulator
) -> None:
    tg.set_knobs(global_rate=10.0, global_burst=3.0)
    delivery = delivery_with(bot, media, PacingLimits(chat=LOOSE, overall=LOOSE))
    chats = [tg.open_chat(user) for user in users(6)]

    await asyncio.gather(*(delivery.send_text(chat, "news") for chat in chats))

    assert all(len(tg.chat(chat)) == 1 for chat in chats)
    assert tg.stats.responses_429 > 0
    assert tg.stats.retry_after_violations == 0


async def test_after_a_bot_wide_429_a_chat_not_yet_told_waits_too(
    bot: Bot, media: aiohttp.ClientSession, tg: TelegramSimulator
) -> None:
    tg.set_knobs(global_rate=10.0, global_burst=3.0)
    watch = SleepWatch()
    pacer = Pacer(PacingLimits(chat=LOOSE, overall=LOOSE), sleep=watch)
    delivery = Delivery(bot, media, pacer)
    a, b, c, d, fresh = (tg.open_chat(user) for user in users(5))
    for chat in (a, b, c):
        await delivery.send_text(chat, "news")  # the simulator's overall burst is spent
    flooded = asyncio.create_task(delivery.send_text(d, "news"))  # 429: retry after 1
    await watch.waiting.wait()  # the Pacer has recorded the 429 and is waiting it out
    loop = asyncio.get_running_loop()
    started = loop.time()

    await delivery.send_text(fresh, "news")
    await flooded

    assert loop.time() - started >= 0.9  # the fresh chat waited out the bot-wide 429
    assert tg.stats.responses_429 == 1
    assert tg.stats.retry_after_violations == 0


async def test_a_long_wait_in_one_chat_does_not_stop_the_others(
    bot: Bot, media: aiohttp.ClientSession, tg: TelegramSimulator
) -> None:
    tg.set_knobs(per_chat_rate=1.0, per_chat_burst=1.0)
    watch = SleepWatch()
    # "Long" is anything over half a second here, so the simulator's 1 s wait counts.
    limits = PacingLimits(chat=LOOSE, overall=LOOSE, global_wait_max_s=0.5)
    delivery = Delivery(bot, media, Pacer(limits, sleep=watch))
    slow, other = (tg.open_chat(user) for user in users(2))
    await delivery.send_text(slow, "1")
    flooded = asyncio.create_task(delivery.send_text(slow, "2"))  # 429 for this chat only
    await watch.waiting.wait()
    loop = asyncio.get_running_loop()
    started = loop.time()

    await delivery.send_text(other, "meanwhile")

    assert loop.time() - started < 0.5  # the other chat did not wait
    assert not flooded.done()
    await flooded
    assert [m.text for m in tg.chat(slow)] == ["1", "2"]
    assert tg.stats.responses_429 == 1
    assert tg.stats.retry_after_violations == 0
