"""`DataEraser` against the real redis-server: every job of the user goes, also those
that fell off the history list; other users and the money are untouched."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from kiebot.account import ActiveJobsPending, DataEraser, Languages
from kiebot.billing import Billing
from kiebot.billing.spending import SpendingCaps
from kiebot.jobs import JobState, JobStore, new_job_id
from kiebot.preferences import Preferences
from kiebot.store import Keys, Scripts

KEYS = Keys(prefix="erase-test:")
USER, OTHER = 7001, 7002


@pytest.fixture
def parts(redis: Redis) -> tuple[JobStore, Billing, DataEraser, list[int]]:
    scripts = Scripts(redis)
    store = JobStore(redis, KEYS, scripts, history_cap=2)
    billing = Billing(redis, KEYS, scripts, starting_credits=10)
    preferences = Preferences(redis, KEYS)
    hooked: list[int] = []

    async def hook(user_id: int) -> None:
        hooked.append(user_id)

    eraser = DataEraser(
        redis,
        KEYS,
        billing=billing,
        preferences=preferences,
        languages=Languages(preferences, billing),
        spending=SpendingCaps(redis, KEYS, scripts),
        hooks=[hook],
    )
    return store, billing, eraser, hooked


async def _finished_job(store: JobStore, user_id: int, task_id: str) -> str:
    job = await store.submit(new_job_id(), user_id, user_id, "z-image", "image", {"p": 1}, 1)
    await store.transition(job.job_id, JobState.SUBMITTING)
    await store.transition(job.job_id, JobState.RUNNING, task_id=task_id)
    await store.transition(job.job_id, JobState.DELIVERING, result_urls=["https://x/r.png"])
    await store.transition(job.job_id, JobState.DONE, file_id="AgAD", result_kind="photo")
    return job.job_id


async def test_every_job_goes_and_the_money_stays(
    redis: Redis, parts: tuple[JobStore, Billing, DataEraser, list[int]]
) -> None:
    store, billing, eraser, hooked = parts
    for user in (USER, OTHER):
        await billing.ensure_account(user)
    mine = [await _finished_job(store, USER, f"task-{n}") for n in range(3)]
    theirs = await _finished_job(store, OTHER, "task-other")
    assert len(await store.user_history(USER, limit=10)) == 2, "one fell off the list"
    await redis.hset(KEYS.user(USER), mapping={"username": "Anna_K", "lang": "ru"})
    await redis.hset(KEYS.usernames, "anna_k", str(USER))
    await redis.set(KEYS.conversation(USER, "album"), "x")
    await redis.set(KEYS.conversation(OTHER, "album"), "y")
    ledger_before = await billing.ledger(USER, limit=100)

    report = await eraser.erase(USER)

    assert report.jobs == 3
    assert report.balance == 7
    for job_id in mine:
        assert await store.get(job_id) is None
    assert await redis.exists(*(KEYS.task(f"task-{n}") for n in range(3))) == 0
    assert await store.user_history_size(USER) == 0
    assert await billing.ledger(USER, limit=100) == ledger_before
    account = await redis.hgetall(KEYS.user(USER))
    assert {"username", "lang"}.isdisjoint(account)
    assert account["balance"] == "7"
    assert await redis.hget(KEYS.usernames, "anna_k") is None
    assert await redis.exists(KEYS.conversation(USER, "album")) == 0
    assert hooked == [USER]
    # Someone else's data is not touched.
    assert await store.get(theirs) is not None
    assert await redis.exists(KEYS.conversation(OTHER, "album")) == 1
    # A second run finds nothing more to delete.
    assert (await eraser.erase(USER)).jobs == 0


async def test_an_unfinished_job_refuses_and_deletes_nothing(
    parts: tuple[JobStore, Billing, DataEraser, list[int]],
) -> None:
    store, billing, eraser, hooked = parts
    await billing.ensure_account(USER)
    done = await _finished_job(store, USER, "task-1")
    running = await store.submit(new_job_id(), USER, USER, "z-image", "image", {}, 1)

    with pytest.raises(ActiveJobsPending) as refused:
        await eraser.erase(USER)

    assert refused.value.count == 1
    assert await store.get(done) is not None
    assert await store.get(running.job_id) is not None
    assert hooked == []
