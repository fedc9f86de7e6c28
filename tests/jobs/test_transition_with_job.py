"""`JobStore.transition` given the `Job` in hand: no read of the record first, and the
same outcome as given the id, a stale state included (the script checks the current one)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from kiebot.jobs import InvalidTransition, JobNotFound, JobState, new_job_id
from kiebot.jobs.record import budget_day
from tests.billing.support import KEYS, Clock, ledger_sum, money, stores


async def _commands(redis: Redis, name: str) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get(f"cmdstat_{name}", {}).get("calls", 0))


async def test_a_job_in_hand_moves_without_a_read_and_settles_its_model_budget(
    redis: Redis,
) -> None:
    clock = Clock()
    jobs, billing = stores(redis, clock)
    await billing.ensure_account(1)
    job = await jobs.submit(
        new_job_id(), 1, 1, "flux", "image", {"prompt": "a cat"}, 4, model_budget=100
    )
    spend = KEYS.model_spend("flux", budget_day(job.created_at))
    assert await redis.hget(spend, "spent") == "4"
    await redis.config_resetstat()

    submitting = await jobs.transition(job, JobState.SUBMITTING, expected=JobState.QUEUED)
    failed = await jobs.transition(submitting, JobState.FAILED, error="kie.failed")

    assert await _commands(redis, "hmget") == 0
    assert failed.state is JobState.FAILED
    assert int(await redis.hget(spend, "spent") or 0) == 0  # the right day's key, released
    assert await money(redis, 1) == (10, 0)
    assert await ledger_sum(redis, 1) == 10


async def test_a_stale_job_in_hand_is_refused_as_its_id_would_be(redis: Redis) -> None:
    clock = Clock()
    jobs, billing = stores(redis, clock)
    await billing.ensure_account(2)
    queued = await jobs.submit(new_job_id(), 2, 2, "flux", "image", {"prompt": "a cat"}, 3)
    await jobs.transition(queued.job_id, JobState.CANCELLED)  # elsewhere, meanwhile

    with pytest.raises(InvalidTransition) as refused:
        await jobs.transition(queued, JobState.SUBMITTING, expected=JobState.QUEUED)

    assert refused.value.from_state is JobState.CANCELLED
    assert await money(redis, 2) == (10, 0)  # released once, by the cancel


async def test_a_job_in_hand_whose_record_is_gone_is_not_found(redis: Redis) -> None:
    clock = Clock()
    jobs, billing = stores(redis, clock)
    await billing.ensure_account(3)
    job = await jobs.submit(new_job_id(), 3, 3, "flux", "image", {"prompt": "a cat"}, 3)
    await redis.delete(KEYS.job(job.job_id))

    with pytest.raises(JobNotFound):
        await jobs.transition(job, JobState.SUBMITTING)
