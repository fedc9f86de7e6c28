"""`JobStore.transition` on a real Redis: every pair of states, and settling exactly once."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from redis.asyncio import Redis

from kiebot.jobs import (
    FINAL_STATES,
    SETTLEMENT,
    TRANSITIONS,
    InvalidTransition,
    Job,
    JobNotFound,
    JobState,
    JobStore,
)
from kiebot.jobs.states import is_final
from kiebot.ops.activity import JobActivity
from tests.billing.support import (
    KEYS,
    PATH_STATES,
    START,
    Clock,
    drive,
    ledger_sum,
    ledger_types,
    money,
    snapshot,
    stores,
    submit,
)

PRICE = 4
STARTING = 10


def _path_to(state: JobState) -> list[JobState]:
    """The shortest series of moves from queued to `state` (breadth-first on the table)."""
    paths: dict[JobState, list[JobState]] = {JobState.QUEUED: []}
    frontier = [JobState.QUEUED]
    while frontier:
        current = frontier.pop(0)
        for target in sorted(TRANSITIONS[current] - set(paths)):
            paths[target] = [*paths[current], target]
            frontier.append(target)
    return paths[state]


async def _job_in(jobs: JobStore, redis: Redis, state: JobState) -> Job:
    if state is JobState.CREATED:  # only ever in memory; write one by hand
        job = Job("c1", 1, 1, "flux", "image", {}, PRICE, JobState.CREATED, START, START)
        await redis.hset(KEYS.job(job.job_id), mapping=job.to_hash())
        await redis.sadd(KEYS.active_jobs, job.job_id)
        await redis.sadd(KEYS.user_jobs(1), job.job_id)
        return job
    job = await submit(jobs, 1, price=PRICE)
    return await drive(jobs, job.job_id, *_path_to(state))


PAIRS = list(itertools.product(JobState, JobState))


@pytest.mark.parametrize(
    ("from_state", "to_state"), [p for p in PAIRS if p[1] in TRANSITIONS[p[0]]], ids=str
)
async def test_an_allowed_move_is_made(
    redis: Redis, from_state: JobState, to_state: JobState
) -> None:
    clock = Clock()
    jobs, billing = stores(redis, clock, starting_credits=STARTING)
    await billing.ensure_account(1)
    job = await _job_in(jobs, redis, from_state)
    clock.advance(7)

    moved = await jobs.transition(job.job_id, to_state, expected={from_state}, error="e.key")

    assert moved.state is to_state
    assert moved.state_time(to_state) == START + 7
    assert moved.updated_at == START + 7
    assert moved.error == "e.key"
    assert await jobs.get(job.job_id) == moved
    queued = await jobs.queued_ids("image")
    assert (job.job_id in queued) == (to_state is JobState.QUEUED)
    assert (job.job_id in await jobs.active_job_ids()) == (not is_final(to_state))
    assert (job.job_id in await jobs.user_active_job_ids(1)) == (not is_final(to_state))


@pytest.mark.parametrize("end", sorted(FINAL_STATES), ids=str)
async def test_an_end_settles_the_reservation(redis: Redis, end: JobState) -> None:
    jobs, billing = stores(redis, Clock(), starting_credits=STARTING)
    await billing.ensure_account(1)
    job = await submit(jobs, 1, price=PRICE)
    ended = await drive(jobs, job.job_id, *_path_to(end))

    expected_balance = STARTING - PRICE if SETTLEMENT[end] == "capture" else STARTING
    assert await money(redis, 1) == (expected_balance, 0)
    assert ended.balance_after == expected_balance  # the low-balance notice reads it
    assert await ledger_types(redis, 1) == ["grant", "reservation", SETTLEMENT[end]]
    assert await ledger_sum(redis, 1) == expected_balance
    assert await redis.hexists(KEYS.applied(1), f"{SETTLEMENT[end]}:{job.job_id}")


@pytest.mark.parametrize(
    ("from_state", "to_state"), [p for p in PAIRS if p[1] not in TRANSITIONS[p[0]]], ids=str
)
async def test_a_move_not_in_the_table_is_refused_and_changes_nothing(
    redis: Redis, from_state: JobState, to_state: JobState
) -> None:
    jobs, billing = stores(redis, Clock(), starting_credits=STARTING)
    await billing.ensure_account(1)
    job = await _job_in(jobs, redis, from_state)
    before = await snapshot(redis)

    if from_state == to_state and is_final(to_state):
        # Repeating the end a job already has is a retry: it succeeds and does nothing.
        again = await jobs.transition(job.job_id, to_state, error="other")
        assert again == await jobs.get(job.job_id)
    else:
        with pytest.raises(InvalidTransition) as refused:
            await jobs.transition(job.job_id, to_state, error="other")
        assert refused.value.job_id == job.job_id
        assert (refused.value.from_state, refused.value.to_state) == (from_state, to_state)
    assert await snapshot(redis) == before


async def test_a_move_from_a_state_not_expected_is_refused(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    job = await submit(jobs, 1)
    await jobs.transition(job.job_id, JobState.SUBMITTING, expected=JobState.QUEUED)
    before = await snapshot(redis)
    with pytest.raises(InvalidTransition) as refused:  # a second worker's claim loses
        await jobs.transition(job.job_id, JobState.SUBMITTING, expected=JobState.QUEUED)
    assert refused.value.from_state is JobState.SUBMITTING
    with pytest.raises(InvalidTransition):  # allowed by the table, but not expected
        await jobs.transition(job.job_id, JobState.CANCELLED, expected={JobState.RUNNING})
    assert await snapshot(redis) == before


async def test_a_missing_job_cannot_move(redis: Redis) -> None:
    jobs, _ = stores(redis, Clock())
    with pytest.raises(JobNotFound) as missing:
        await jobs.transition("nope", JobState.CANCELLED)
    assert missing.value.job_id == "nope"
    assert await jobs.get("nope") is None


async def test_concurrent_identical_ends_capture_once(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock(), starting_credits=STARTING)
    await billing.ensure_account(1)
    job = await submit(jobs, 1, price=PRICE)
    await drive(jobs, job.job_id, *PATH_STATES)

    ended = await asyncio.gather(*(jobs.transition(job.job_id, JobState.DONE) for _ in range(50)))

    assert {j.state for j in ended} == {JobState.DONE}
    assert await ledger_types(redis, 1) == ["grant", "reservation", "capture"]
    assert await money(redis, 1) == (STARTING - PRICE, 0)


async def test_an_ended_job_is_counted_once_for_the_overview(redis: Redis) -> None:
    """The admin overview's minute counts and waits come with the move that ends the
    job: a repeated end (a retry after a lost reply) adds nothing."""
    clock = Clock()
    jobs, billing = stores(redis, clock, starting_credits=STARTING)
    await billing.ensure_account(1)
    job = await submit(jobs, 1, price=PRICE)
    clock.advance(12.5)
    await drive(jobs, job.job_id, *PATH_STATES, JobState.DONE)
    await jobs.transition(job.job_id, JobState.DONE)
    failed = await submit(jobs, 1, price=PRICE)
    await jobs.transition(failed.job_id, JobState.FAILED)

    activity = JobActivity(redis, KEYS, clock=clock)
    [minute] = await activity.minutes(1)
    assert minute.counts == {"done": 1, "failed": 1}
    assert await activity.waits([job.model]) == {job.model: [12.5]}


async def test_racing_ends_settle_once_and_the_losers_learn_the_winner(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock(), starting_credits=STARTING)
    await billing.ensure_account(1)
    job = await submit(jobs, 1, price=PRICE)
    ends = [JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED] * 10
    results = await asyncio.gather(
        *(jobs.transition(job.job_id, end) for end in ends), return_exceptions=True
    )

    winner = (await jobs.get(job.job_id)).state  # type: ignore[union-attr]
    for end, result in zip(ends, results, strict=True):
        if end is winner:
            assert isinstance(result, Job)
        else:
            assert isinstance(result, InvalidTransition)
            assert result.from_state is winner
    assert await ledger_types(redis, 1) == ["grant", "reservation", "release"]
    assert await money(redis, 1) == (STARTING, 0)


async def test_a_cancel_racing_delivery_cannot_take_back_a_delivered_result(
    redis: Redis,
) -> None:
    jobs, billing = stores(redis, Clock(), starting_credits=STARTING)
    await billing.ensure_account(1)
    job = await submit(jobs, 1, price=PRICE)
    await drive(jobs, job.job_id, JobState.SUBMITTING, JobState.RUNNING)
    delivering, cancelled = await asyncio.gather(
        jobs.transition(job.job_id, JobState.DELIVERING),
        jobs.transition(job.job_id, JobState.CANCELLED),
        return_exceptions=True,
    )
    assert [isinstance(r, Job) for r in (delivering, cancelled)].count(True) == 1
    if isinstance(delivering, Job):
        with pytest.raises(InvalidTransition):
            await jobs.transition(job.job_id, JobState.CANCELLED)
        await jobs.transition(job.job_id, JobState.DONE)
        assert await money(redis, 1) == (STARTING - PRICE, 0)
    else:
        assert await money(redis, 1) == (STARTING, 0)
    assert await ledger_sum(redis, 1) == (await money(redis, 1))[0]
