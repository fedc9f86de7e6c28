"""The low-balance decision on a real Redis: once per crossing of the threshold."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from kiebot.rewards import LowBalanceWatch
from kiebot.store import Scripts
from tests.billing.support import KEYS, Clock, stores

USER = 9


async def test_one_notice_per_crossing(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=6)
    watch = LowBalanceWatch(KEYS, Scripts(redis), threshold=5)
    await billing.ensure_account(USER)
    assert await watch.notice_due(USER) is None, "6 is not below 5"

    await billing.adjust(USER, -2, reason="spent", actor="test")
    assert await watch.notice_due(USER) == 4
    assert await watch.notice_due(USER) is None, "the same crossing is told once"
    await billing.adjust(USER, -1, reason="spent", actor="test")
    assert await watch.notice_due(USER) is None, "still the same crossing"

    await billing.adjust(USER, 10, reason="bought", actor="test")  # back above: re-armed
    await billing.adjust(USER, -10, reason="spent", actor="test")
    assert await watch.notice_due(USER) == 3
    assert await watch.notice_due(USER) is None


async def test_a_settlement_above_the_threshold_needs_no_check(redis: Redis) -> None:
    """The job's settlement left 6, not below 5: no notice, whatever Redis holds now
    (a later capture, which makes its own check, took it to 4)."""
    _, billing = stores(redis, Clock(), starting_credits=4)
    watch = LowBalanceWatch(KEYS, Scripts(redis), threshold=5)
    await billing.ensure_account(USER)
    assert await watch.notice_due(USER, balance_after=6) is None
    assert await watch.notice_due(USER, balance_after=4) == 4
    assert await watch.notice_due(USER, balance_after=4) is None, "told once"


async def test_two_jobs_ending_together_give_one_notice(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=2)
    watch = LowBalanceWatch(KEYS, Scripts(redis), threshold=5)
    await billing.ensure_account(USER)
    due = await asyncio.gather(*(watch.notice_due(USER) for _ in range(10)))
    assert sorted(due, key=str) == [2] + [None] * 9


async def test_a_threshold_of_zero_turns_notices_off(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=0)
    watch = LowBalanceWatch(KEYS, Scripts(redis), threshold=0)
    await billing.ensure_account(USER)
    assert await watch.notice_due(USER) is None
    assert await redis.hget(KEYS.user(USER), "low_notice") is None
