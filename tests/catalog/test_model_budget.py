"""The operator's daily budget per model on a real Redis: counted where the price is
reserved, over all users; reached, the model is out of budget (its fallback is offered)
and a submit that raced past the check is refused reserving nothing; a release gives the
credits back; the next UTC day starts at 0."""

from __future__ import annotations

from dataclasses import replace

import pytest
from redis.asyncio import Redis

from kiebot.catalog import ModelHealth, ModelSwitches, Unavailable, load_catalog
from kiebot.jobs import Job, JobState, JobStore, ModelOverBudget, new_job_id
from tests.billing.support import KEYS, START, Clock, money, snapshot, stores

DAY = 86_400.0
NOON = START - START % DAY + DAY / 2
ALICE, BOB = 7, 8


async def _submit(jobs: JobStore, user_id: int, model: str, price: int, budget: int) -> Job:
    return await jobs.submit(
        new_job_id(), user_id, user_id, model, "image", {"prompt": "a cat"}, price,
        model_budget=budget,
    )  # fmt: skip


async def test_a_reached_budget_offers_the_fallback_and_refuses_a_racing_submit(
    redis: Redis,
) -> None:
    clock = Clock(NOON)
    jobs, billing = stores(redis, clock, starting_credits=100)
    catalog = load_catalog(None)
    health = ModelHealth(redis, KEYS, catalog, ModelSwitches(redis, KEYS, catalog), clock=clock)
    nano = replace(catalog.get("google/nano-banana"), daily_budget=5)
    for user in (ALICE, BOB):
        await billing.ensure_account(user)

    await _submit(jobs, ALICE, nano.id, 3, 5)
    assert await health.unavailable(nano) is None
    await _submit(jobs, BOB, nano.id, 3, 5)  # crosses the budget: still runs
    assert await health.spent_today(nano.id) == 6
    assert await health.unavailable(nano) is Unavailable.OUT_OF_BUDGET
    assert (await health.usable_fallback(nano)).id == "z-image"  # type: ignore[union-attr]

    before = await snapshot(redis)
    with pytest.raises(ModelOverBudget) as refused:
        await _submit(jobs, ALICE, nano.id, 3, 5)
    assert (refused.value.budget, refused.value.spent) == (5, 6)
    assert await snapshot(redis) == before
    assert await money(redis, ALICE) == (97, 3)


async def test_a_release_gives_the_budget_back_once_and_a_new_day_starts_at_zero(
    redis: Redis,
) -> None:
    clock = Clock(NOON)
    jobs, billing = stores(redis, clock, starting_credits=100)
    catalog = load_catalog(None)
    health = ModelHealth(redis, KEYS, catalog, ModelSwitches(redis, KEYS, catalog), clock=clock)
    nano = replace(catalog.get("google/nano-banana"), daily_budget=4)
    await billing.ensure_account(ALICE)
    first = await _submit(jobs, ALICE, nano.id, 2, 4)
    second = await _submit(jobs, ALICE, nano.id, 2, 4)
    assert await health.unavailable(nano) is Unavailable.OUT_OF_BUDGET

    await jobs.transition(second.job_id, JobState.CANCELLED)
    await jobs.transition(second.job_id, JobState.CANCELLED)  # the same move again
    assert await health.spent_today(nano.id) == 2
    assert await health.unavailable(nano) is None

    await _submit(jobs, ALICE, nano.id, 2, 4)
    clock.now += DAY  # a release after midnight gives back to the day it was counted in
    await jobs.transition(first.job_id, JobState.CANCELLED)
    assert await health.spent_today(nano.id) == 0
    assert await health.unavailable(nano) is None
