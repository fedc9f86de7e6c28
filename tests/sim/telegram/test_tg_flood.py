"""Flood control: 429 with retry_after, recovery, violations, live knobs.

Time is a fake clock handed to the simulator, so "wait retry_after seconds" is a clock
advance, not a sleep.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from kiebot.sim.telegram import SimChat, SimUser, TelegramSimulator
from kiebot.sim.telegram.config import TelegramSimConfig
from kiebot.sim.telegram.errors import ApiError
from kiebot.sim.telegram.limits import FloodControl
from kiebot.sim.telegram.stats import SimStats

from .conftest import aiogram_bot, api, fast_config


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def timed_sim(clock: FakeClock) -> AsyncIterator[TelegramSimulator]:
    simulator = TelegramSimulator(fast_config(per_chat_burst=2), clock=clock)
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
async def timed_bot(timed_sim: TelegramSimulator) -> AsyncIterator[Bot]:
    client = aiogram_bot(timed_sim)
    yield client
    await client.session.close()


async def test_per_chat_limit_answers_429_then_recovers(
    timed_sim: TelegramSimulator, timed_bot: Bot, clock: FakeClock, user: SimUser
) -> None:
    timed_sim.open_chat(user)
    await timed_bot.send_message(user.id, "1")
    await timed_bot.send_message(user.id, "2")
    with pytest.raises(TelegramRetryAfter) as refused:
        await timed_bot.send_message(user.id, "3")
    assert refused.value.retry_after == 1
    assert "Too Many Requests: retry after 1" in refused.value.message
    clock.advance(refused.value.retry_after)
    await timed_bot.send_message(user.id, "3")
    assert [m.text for m in timed_sim.chat(user.id)] == ["1", "2", "3"]
    assert timed_sim.stats.responses_429 == 1
    assert timed_sim.stats.retry_after_violations == 0


async def test_ignoring_retry_after_is_counted(
    timed_sim: TelegramSimulator, clock: FakeClock, user: SimUser, http: aiohttp.ClientSession
) -> None:
    timed_sim.open_chat(user)
    for text in ("1", "2"):
        await api(http, timed_sim, "sendMessage", chat_id=user.id, text=text)
    status, body = await api(http, timed_sim, "sendMessage", chat_id=user.id, text="3")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    clock.advance(0.5)  # the bot retries after half the time it was told to wait
    status, body = await api(http, timed_sim, "sendMessage", chat_id=user.id, text="3")
    assert status == 429
    assert timed_sim.stats.retry_after_violations == 1
    assert timed_sim.stats.responses_429 == 2


async def test_other_chats_are_not_held_up(
    timed_sim: TelegramSimulator, timed_bot: Bot, user: SimUser
) -> None:
    other = SimUser(id=99, first_name="Other")
    timed_sim.open_chat(user)
    timed_sim.open_chat(other)
    for text in ("1", "2"):
        await timed_bot.send_message(user.id, text)
    with pytest.raises(TelegramRetryAfter):
        await timed_bot.send_message(user.id, "3")
    await timed_bot.send_message(other.id, "fine")


async def test_group_limit_is_per_minute(
    timed_sim: TelegramSimulator, timed_bot: Bot, clock: FakeClock
) -> None:
    timed_sim.set_knobs(group_burst=2, per_chat_burst=10)
    group = SimChat(id=-100777)
    timed_sim.send_text(SimUser(id=1, first_name="A"), "hi", chat=group)
    await timed_bot.send_message(group.id, "1")
    await timed_bot.send_message(group.id, "2")
    with pytest.raises(TelegramRetryAfter) as refused:
        await timed_bot.send_message(group.id, "3")
    assert refused.value.retry_after == 3  # 20 a minute: one token every 3 seconds
    clock.advance(3)
    await timed_bot.send_message(group.id, "3")


async def test_edits_count_unless_the_knob_says_otherwise(
    timed_sim: TelegramSimulator, timed_bot: Bot, user: SimUser
) -> None:
    timed_sim.open_chat(user)
    sent = await timed_bot.send_message(user.id, "v0")
    await timed_bot.edit_message_text("v1", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(TelegramRetryAfter):
        await timed_bot.edit_message_text("v2", chat_id=user.id, message_id=sent.message_id)
    timed_sim.config.count_edits = False
    await timed_bot.edit_message_text("v2", chat_id=user.id, message_id=sent.message_id)


async def test_overall_limit_and_rate_stats(
    timed_sim: TelegramSimulator, timed_bot: Bot, clock: FakeClock
) -> None:
    timed_sim.set_knobs(global_rate=3, global_burst=3)
    users = [SimUser(id=100 + i, first_name=f"U{i}") for i in range(4)]
    for u in users:
        timed_sim.open_chat(u)
    for u in users[:3]:
        await timed_bot.send_message(u.id, "hi")
    with pytest.raises(TelegramRetryAfter):
        await timed_bot.send_message(users[3].id, "hi")
    assert timed_sim.stats.max_rate_overall == 3
    assert timed_sim.stats.max_rate_per_chat == 1
    clock.advance(1)
    await timed_bot.send_message(users[3].id, "hi")


async def test_flood_control_can_be_switched_off(
    timed_sim: TelegramSimulator, timed_bot: Bot, user: SimUser
) -> None:
    timed_sim.config.flood_control = False
    timed_sim.open_chat(user)
    for i in range(10):
        await timed_bot.send_message(user.id, str(i))
    assert timed_sim.stats.responses_429 == 0
    assert timed_sim.stats.max_rate_per_chat == 10


def test_bucket_refills_continuously_and_refusals_take_no_token(clock: FakeClock) -> None:
    config = TelegramSimConfig(per_chat_rate=2, per_chat_burst=1)
    stats = SimStats()
    flood = FloodControl(config, stats, clock)
    flood.admit(1, is_group=False)
    with pytest.raises(ApiError) as refused:
        flood.admit(1, is_group=False)
    assert refused.value.retry_after == 1  # 0.5 s rounded up to whole seconds
    clock.advance(1.0)
    flood.admit(1, is_group=False)
    clock.advance(0.5)
    flood.admit(1, is_group=False)
    assert stats.responses_429 == 1
    assert stats.retry_after_violations == 0


def test_a_request_already_in_flight_is_not_a_violation(clock: FakeClock) -> None:
    config = TelegramSimConfig(per_chat_rate=1, per_chat_burst=1, violation_grace=0.05)
    stats = SimStats()
    flood = FloodControl(config, stats, clock)
    flood.admit(1, is_group=False)
    with pytest.raises(ApiError):
        flood.admit(1, is_group=False)
    clock.advance(0.01)
    with pytest.raises(ApiError):
        flood.admit(1, is_group=False)
    assert stats.retry_after_violations == 0
    clock.advance(0.5)
    with pytest.raises(ApiError) as refused:
        flood.admit(1, is_group=False)
    assert refused.value.retry_after == 1
    assert stats.retry_after_violations == 1
