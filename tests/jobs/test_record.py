"""The job record and `JobStore.submit` on a real Redis: limits, idempotency, caps."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from kiebot.jobs import (
    AlreadySubmitted,
    InsufficientCredits,
    Job,
    JobNotFound,
    JobState,
    QueueFull,
    SubmitRateLimited,
    TooManyActiveJobs,
    new_job_id,
)
from kiebot.store.keys import HISTORY_CAP, TASK_TTL_S
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


def test_a_job_survives_its_hash_round_trip() -> None:
    job = Job(
        job_id="j1",
        user_id=5,
        chat_id=-100,
        model="kling/v2",
        job_class="video",
        input={"prompt": "привет", "n": 2, "nested": {"a": [1, None]}},
        price=12,
        state=JobState.RUNNING,
        created_at=10.25,
        updated_at=11.5,
        task_id="t",
        key_id="k",
        status_message_id=77,
        result_urls=["https://x/1.mp4"],
        attempts=2,
        result_ready_at=12.0,
        timeline=[(JobState.CREATED, 10.25), (JobState.QUEUED, 10.25), (JobState.RUNNING, 11.5)],
    )
    data = job.to_hash()
    assert "file_id" not in data  # None fields are left out, and read back as None
    assert Job.from_hash(data) == job
    assert job.state_time(JobState.RUNNING) == 11.5
    assert job.state_time(JobState.DONE) is None


async def test_submit_reserves_the_price_and_queues_the_job(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    job = await submit(jobs, 1, price=4)

    assert job.state is JobState.QUEUED
    assert job.timeline == [(JobState.CREATED, START), (JobState.QUEUED, START)]
    assert await jobs.get(job.job_id) == job
    assert await money(redis, 1) == (6, 4)
    assert await ledger_types(redis, 1) == ["grant", "reservation"]
    assert await ledger_sum(redis, 1) == 6
    assert await jobs.queued_ids("image") == [job.job_id]
    assert await jobs.active_job_ids() == [job.job_id]
    assert await jobs.user_active_job_ids(1) == [job.job_id]
    assert [j.job_id for j in await jobs.user_history(1)] == [job.job_id]


async def test_a_retried_submit_reserves_once(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    job_id = new_job_id()
    args = (job_id, 1, 1, "flux", "image", {"prompt": "x"})
    results = await asyncio.gather(*(jobs.submit(*args, 3) for _ in range(10)))
    again = await jobs.submit(*args, 5, max_active_per_user=1)  # even past the cap now

    assert {r.job_id for r in results} == {job_id}
    assert again == results[0]
    assert again.price == 3
    assert await money(redis, 1) == (7, 3)
    assert await ledger_types(redis, 1) == ["grant", "reservation"]
    assert await jobs.queued_ids("image") == [job_id]
    assert await redis.llen(KEYS.user_history(1)) == 1


async def test_too_little_credit_is_refused_and_changes_nothing(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock(), starting_credits=3)
    await billing.ensure_account(1)
    before = await snapshot(redis)
    with pytest.raises(InsufficientCredits) as refused:
        await submit(jobs, 1, price=4)
    assert (refused.value.balance, refused.value.price) == (3, 4)
    assert refused.value.user_message_key == "job.insufficient_credits"
    assert await snapshot(redis) == before


async def test_a_user_without_an_account_has_no_credit(redis: Redis) -> None:
    jobs, _ = stores(redis, Clock())
    with pytest.raises(InsufficientCredits) as refused:
        await submit(jobs, 9, price=1)
    assert refused.value.balance == 0
    assert await snapshot(redis) == {}


async def test_a_first_prompt_opens_the_account_with_the_grant_in_the_same_call(
    redis: Redis,
) -> None:
    jobs, billing = stores(redis, Clock())
    opening = billing.opening(9)
    job = await submit(jobs, 9, price=4, opening=opening)
    again = await submit(jobs, 8, price=4, opening=billing.opening(8))  # another new user
    await submit(jobs, 9, price=1, opening=opening)  # the account is open: no second grant

    assert job.state is JobState.QUEUED
    assert again.state is JobState.QUEUED
    assert await money(redis, 9) == (5, 5)
    assert await ledger_types(redis, 9) == ["grant", "reservation", "reservation"]
    assert await ledger_sum(redis, 9) == 5
    assert await redis.smembers(KEYS.users) == {"8", "9"}
    account = await billing.ensure_account(9)  # as /start would find it
    assert (account.balance, account.held) == (5, 5)
    assert await ledger_types(redis, 9) == ["grant", "reservation", "reservation"]


async def test_a_duplicate_submit_can_say_so_instead_of_returning_the_job(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    job_id = new_job_id()
    args = (job_id, 1, 1, "flux", "image", {"prompt": "x"}, 3)
    first = await jobs.submit(*args, opening=billing.opening(1))
    before = await snapshot(redis)

    with pytest.raises(AlreadySubmitted) as duplicate:
        await jobs.submit(*args, opening=billing.opening(1), duplicate_raises=True)

    assert duplicate.value.job == first
    assert await snapshot(redis) == before


async def test_the_active_job_cap_refuses_until_a_job_ends(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    first = await submit(jobs, 1, price=1, max_active_per_user=2)
    await submit(jobs, 1, price=1, max_active_per_user=2)
    before = await snapshot(redis, skip=(KEYS.user_submits(1),))
    with pytest.raises(TooManyActiveJobs) as refused:
        await submit(jobs, 1, price=1, max_active_per_user=2)
    assert refused.value.limit == 2
    assert await snapshot(redis, skip=(KEYS.user_submits(1),)) == before

    await jobs.transition(first.job_id, JobState.CANCELLED)
    await submit(jobs, 1, price=1, max_active_per_user=2)


async def test_concurrent_submits_never_exceed_the_active_cap(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    results = await asyncio.gather(
        *(submit(jobs, 1, price=1, max_active_per_user=3) for _ in range(12)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Job) for r in results) == 3
    assert all(isinstance(r, Job | TooManyActiveJobs) for r in results)
    assert await money(redis, 1) == (7, 3)


async def test_the_submit_rate_is_a_sliding_window(redis: Redis) -> None:
    clock = Clock()
    jobs, billing = stores(redis, clock)
    await billing.ensure_account(1)
    limits = {"price": 1, "max_active_per_user": 10, "rate_limit": 2, "rate_window_s": 60.0}
    await submit(jobs, 1, **limits)
    clock.advance(10)
    await submit(jobs, 1, **limits)
    clock.advance(10)
    before = await snapshot(redis)
    with pytest.raises(SubmitRateLimited) as refused:
        await submit(jobs, 1, **limits)
    assert refused.value.retry_after == pytest.approx(40.0)
    assert refused.value.user_message_key == "job.rate_limited"
    assert await snapshot(redis) == before

    clock.advance(40)  # the first submit leaves the window: one more fits, not two
    await submit(jobs, 1, **limits)
    with pytest.raises(SubmitRateLimited) as refused:
        await submit(jobs, 1, **limits)
    assert refused.value.retry_after == pytest.approx(10.0)
    assert 0 < await redis.ttl(KEYS.user_submits(1)) <= 61


async def test_a_full_queue_refuses_and_other_classes_still_accept(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    for user in (1, 2, 3):
        await billing.ensure_account(user)
    await submit(jobs, 1, price=1, max_queue=2)
    await submit(jobs, 2, price=1, max_queue=2)
    before = await snapshot(redis, skip=(KEYS.user_submits(3),))
    with pytest.raises(QueueFull) as refused:
        await submit(jobs, 3, price=1, max_queue=2)
    assert refused.value.job_class == "image"
    assert await snapshot(redis, skip=(KEYS.user_submits(3),)) == before
    await submit(jobs, 3, price=1, max_queue=2, job_class="video")


async def test_the_queue_keeps_arrival_order_and_a_claim_removes_the_job(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    ids = []
    for user in (1, 2, 3):
        await billing.ensure_account(user)
        ids.append((await submit(jobs, user, price=1)).job_id)
    assert await jobs.queued_ids("image") == ids
    await jobs.transition(ids[1], JobState.SUBMITTING, expected=JobState.QUEUED)
    assert await jobs.queued_ids("image") == [ids[0], ids[2]]


async def test_a_job_handed_back_goes_to_the_head_of_the_queue(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    first, second = (await submit(jobs, 1, price=1)).job_id, (await submit(jobs, 1)).job_id
    await jobs.transition(first, JobState.SUBMITTING)
    back = await jobs.transition(first, JobState.QUEUED, expected=JobState.SUBMITTING)
    assert back.state is JobState.QUEUED
    assert await jobs.queued_ids("image") == [first, second]


async def test_history_is_newest_first_and_capped(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock(), starting_credits=HISTORY_CAP + 5)
    await billing.ensure_account(1)
    limits = {"price": 1, "max_active_per_user": 1000, "rate_limit": 1000}
    ids = [(await submit(jobs, 1, **limits)).job_id for _ in range(HISTORY_CAP + 3)]
    stored = await redis.lrange(KEYS.user_history(1), 0, -1)
    assert stored == ids[::-1][:HISTORY_CAP]
    assert [j.job_id for j in await jobs.user_history(1, limit=3)] == ids[::-1][:3]
    assert await jobs.user_history(1, limit=0) == []


async def test_set_fields_writes_only_existing_jobs(redis: Redis) -> None:
    clock = Clock()
    jobs, billing = stores(redis, clock)
    await billing.ensure_account(1)
    job = await submit(jobs, 1)
    clock.advance(5)
    await jobs.set_fields(job.job_id, status_message_id=42, attempts=2)
    stored = await jobs.get(job.job_id)
    assert stored is not None
    assert (stored.status_message_id, stored.attempts) == (42, 2)
    assert stored.updated_at == START + 5
    assert stored.state is JobState.QUEUED

    await jobs.set_fields(job.job_id, status_message_id=None)
    cleared = await jobs.get(job.job_id)
    assert cleared is not None
    assert cleared.status_message_id is None
    with pytest.raises(JobNotFound):
        await jobs.set_fields("nope", attempts=1)
    assert not await redis.exists(KEYS.job("nope"))
    with pytest.raises(TypeError):
        await jobs.set_fields(job.job_id, state="done")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        await jobs.set_fields(job.job_id, task_id="t")


async def test_a_running_job_is_found_by_its_task_id(redis: Redis) -> None:
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    job = await submit(jobs, 1)
    await jobs.transition(job.job_id, JobState.SUBMITTING)
    running = await jobs.transition(job.job_id, JobState.RUNNING, task_id="task-9", key_id="k1")
    assert (running.task_id, running.key_id) == ("task-9", "k1")
    assert await jobs.job_for_task("task-9") == job.job_id
    assert 0 < await redis.ttl(KEYS.task("task-9")) <= TASK_TTL_S
    assert await jobs.job_for_task("other") is None


async def test_scripts_work_after_a_redis_restart(redis: Redis, redis_server: object) -> None:
    """A restart empties the script cache; every script must fall back to EVAL."""
    from tests.support.redis_server import RedisServer

    assert isinstance(redis_server, RedisServer)
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    redis_server.restart()
    job = await submit(jobs, 1, price=2)
    redis_server.restart()
    await drive(jobs, job.job_id, *PATH_STATES)
    redis_server.restart()
    await jobs.set_fields(job.job_id, attempts=1)
    done = await jobs.transition(job.job_id, JobState.DONE)
    redis_server.restart()
    assert await billing.adjust(1, 5, reason="sorry", actor="admin") == 13
    assert (await billing.ensure_account(1)).balance == 13
    assert done.state is JobState.DONE
    assert await money(redis, 1) == (13, 0)
    assert await ledger_sum(redis, 1) == 13


async def test_submit_refuses_nonsense_before_redis(redis: Redis) -> None:
    jobs, _ = stores(redis, Clock())
    with pytest.raises(ValueError, match="price"):
        await submit(jobs, 1, price=-1)
    with pytest.raises(ValueError, match="class"):
        await submit(jobs, 1, job_class="audio")
    with pytest.raises(ValueError, match="at least 1"):
        await submit(jobs, 1, rate_limit=0)


async def test_a_free_job_reserves_and_settles_zero(redis: Redis) -> None:
    """Regression: -0 (the reservation of a free job) reached HINCRBY as "-0", refused."""
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    free = await submit(jobs, 1, price=0)
    await jobs.transition(free.job_id, JobState.CANCELLED)
    entries = await redis.xrange(KEYS.ledger(1))
    assert [(f["type"], f["amount"]) for _, f in entries] == [
        ("grant", "10"),
        ("reservation", "0"),
        ("release", "0"),
    ]
    assert await money(redis, 1) == (10, 0)


async def test_the_demo_store_runs_the_same_scripts() -> None:
    """`kiebot demo` falls back to fakeredis (Lua through lupa): the scripts must run there."""
    import fakeredis

    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    jobs, billing = stores(redis, Clock())
    await billing.ensure_account(1)
    done = await submit(jobs, 1, price=3)
    await drive(jobs, done.job_id, *PATH_STATES, JobState.DONE)
    cancelled = await submit(jobs, 1, price=2)
    await jobs.transition(cancelled.job_id, JobState.CANCELLED)
    await jobs.set_fields(cancelled.job_id, attempts=1)
    assert await billing.adjust(1, -1, reason="demo", actor="admin") == 6
    with pytest.raises(InsufficientCredits):
        await submit(jobs, 1, price=7)
    assert await money(redis, 1) == (6, 0)
    assert await ledger_sum(redis, 1) == 6
    await redis.aclose()
