"""The daily spending cap on a real Redis: enforced at reservation, atomically; a refusal
reserves nothing; a release gives the day's spending back; a new UTC day starts at 0."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.billing.spending import DailyCapReached, InvalidCap, SpendingCaps, day_start
from kiebot.jobs import JobState, JobStore
from kiebot.store import Scripts
from tests.billing.support import KEYS, START, Clock, drive, money, snapshot, stores, submit

DAY = 86_400.0
NOON = day_start(START) + DAY / 2  # a whole day's room either way
USER = 7


def services(
    redis: Redis, clock: Clock, *, credits: int = 100
) -> tuple[JobStore, Billing, SpendingCaps]:
    jobs, billing = stores(redis, clock, starting_credits=credits)
    return jobs, billing, SpendingCaps(redis, KEYS, Scripts(redis), clock=clock)


async def test_a_job_past_the_cap_is_refused_and_reserves_nothing(redis: Redis) -> None:
    clock = Clock(NOON)
    jobs, billing, caps = services(redis, clock)
    await billing.ensure_account(USER)
    await caps.set_cap(USER, 5)
    await submit(jobs, USER, price=3)
    before = await snapshot(redis)

    with pytest.raises(DailyCapReached) as refused:
        await submit(jobs, USER, price=3)

    assert (refused.value.cap, refused.value.spent, refused.value.price) == (5, 3, 3)
    assert await snapshot(redis) == before
    assert await money(redis, USER) == (97, 3)
    await submit(jobs, USER, price=2)  # exactly up to the cap is allowed
    assert await caps.spent_today(USER) == 5


async def test_no_cap_means_no_limit_but_spending_is_still_counted(redis: Redis) -> None:
    clock = Clock(NOON)
    jobs, billing, caps = services(redis, clock)
    await billing.ensure_account(USER)
    for _ in range(3):
        await submit(jobs, USER, price=10, max_active_per_user=10)
    assert await caps.cap(USER) is None
    assert await caps.spent_today(USER) == 30
    await caps.set_cap(USER, 20)  # set later in the day: today's spending already counts
    with pytest.raises(DailyCapReached):
        await submit(jobs, USER, price=1, max_active_per_user=10)


async def test_held_and_captured_count_a_release_gives_it_back(redis: Redis) -> None:
    clock = Clock(NOON)
    jobs, billing, caps = services(redis, clock)
    await billing.ensure_account(USER)
    await caps.set_cap(USER, 6)
    done = await submit(jobs, USER, price=3)
    failed = await submit(jobs, USER, price=3)
    await drive(jobs, done.job_id, JobState.SUBMITTING, JobState.RUNNING)
    await drive(jobs, done.job_id, JobState.DELIVERING, JobState.DONE)
    assert await caps.spent_today(USER) == 6

    await jobs.transition(failed.job_id, JobState.FAILED, error="job.failed")

    assert await caps.spent_today(USER) == 3
    await submit(jobs, USER, price=3)
    assert await caps.spent_today(USER) == 6


async def test_the_cap_resets_at_midnight_utc(redis: Redis) -> None:
    clock = Clock(day_start(START) + DAY - 1)  # 23:59:59
    jobs, billing, caps = services(redis, clock)
    await billing.ensure_account(USER)
    await caps.set_cap(USER, 5)
    yesterday = await submit(jobs, USER, price=5)
    with pytest.raises(DailyCapReached):
        await submit(jobs, USER, price=1)

    clock.advance(1)  # 00:00:00 the next day

    assert await caps.spent_today(USER) == 0
    await submit(jobs, USER, price=5)
    # Yesterday's job failing today gives nothing back today: it counted yesterday.
    await jobs.transition(yesterday.job_id, JobState.FAILED, error="job.failed")
    assert await caps.spent_today(USER) == 5
    with pytest.raises(DailyCapReached):
        await submit(jobs, USER, price=1)
    assert await money(redis, USER) == (95, 5)


async def test_concurrent_prompts_cannot_pass_the_cap_together(redis: Redis) -> None:
    clock = Clock(NOON)
    jobs, billing, caps = services(redis, clock)
    await billing.ensure_account(USER)
    await caps.set_cap(USER, 7)

    results = await asyncio.gather(
        *(submit(jobs, USER, price=3, max_active_per_user=20, rate_limit=20) for _ in range(10)),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, Exception) for r in results) == 2
    assert all(isinstance(r, DailyCapReached) for r in results if isinstance(r, Exception))
    assert await caps.spent_today(USER) == 6
    assert await money(redis, USER) == (94, 6)


async def test_setting_and_removing_the_cap(redis: Redis) -> None:
    _, _, caps = services(redis, Clock(NOON))
    await caps.set_cap(USER, 50)
    assert await caps.cap(USER) == 50
    for bad in (0, -1, 1_000_001):
        with pytest.raises(InvalidCap):
            await caps.set_cap(USER, bad)
    assert await caps.cap(USER) == 50
    await caps.set_cap(USER, None)
    assert await caps.cap(USER) is None
    status = await caps.status(USER)
    assert (status.cap, status.spent, status.left) == (None, 0, None)
