"""Maintenance: old finished jobs go (the ledger stays), old temp files go, stale
conversation state goes, and accounts from before `kb:users` join the audience."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from kiebot.jobs import JobNotFound, JobState
from kiebot.ops.maintenance import Maintenance, temp_dir
from tests.billing.support import (
    KEYS,
    PATH_STATES,
    Clock,
    drive,
    ledger_sum,
    money,
    stores,
    submit,
)

DAY = 86_400.0


def _maintenance(redis: Redis, clock: Clock, data_dir: Path, **kw: float) -> Maintenance:
    return Maintenance(
        redis=redis,
        keys=KEYS,
        data_dir=data_dir,
        job_retention_days=30,
        conversation_ttl_s=kw.get("conversation_ttl_s", 3600.0),
        clock=clock,
    )


async def test_old_finished_jobs_go_and_the_ledger_stays(redis: Redis, tmp_path: Path) -> None:
    clock = Clock()
    jobs, billing = stores(redis, clock)
    await billing.ensure_account(1)
    old_done = await submit(jobs, 1, price=2)
    await drive(jobs, old_done.job_id, *PATH_STATES, JobState.DONE)
    old_failed = await submit(jobs, 1, price=3)
    await jobs.transition(old_failed.job_id, JobState.FAILED, error="kie.generation_failed")
    old_running = await submit(jobs, 1, price=1)  # unfinished: never removed, however old
    await drive(jobs, old_running.job_id, JobState.SUBMITTING, JobState.RUNNING)
    clock.advance(31 * DAY)
    recent = await submit(jobs, 1, price=1)
    await jobs.transition(recent.job_id, JobState.CANCELLED)
    ledger_before = await redis.xrange(KEYS.ledger(1))
    money_before = await money(redis, 1)

    swept = await _maintenance(redis, clock, tmp_path).clean_jobs()

    assert swept == 2
    assert await jobs.get(old_done.job_id) is None
    assert await jobs.get(old_failed.job_id) is None
    assert await jobs.get(old_running.job_id) is not None
    assert await jobs.get(recent.job_id) is not None
    history = [j.job_id for j in await jobs.user_history(1, limit=100)]
    assert history == [recent.job_id, old_running.job_id]
    assert await redis.lrange(KEYS.user_history(1), 0, -1) == history  # no dangling ids
    assert await redis.xrange(KEYS.ledger(1)) == ledger_before
    assert await money(redis, 1) == money_before
    assert await ledger_sum(redis, 1) == money_before[0]


async def test_a_deleted_job_cannot_be_charged_again(redis: Redis, tmp_path: Path) -> None:
    """Telegram redelivering the prompt of a long-gone job must not reserve anew."""
    clock = Clock()
    jobs, billing = stores(redis, clock)
    await billing.ensure_account(1)
    job = await submit(jobs, 1, price=2)
    await drive(jobs, job.job_id, *PATH_STATES, JobState.DONE)
    clock.advance(31 * DAY)
    await _maintenance(redis, clock, tmp_path).clean_jobs()
    balance = await money(redis, 1)

    with pytest.raises(JobNotFound):  # the duplicate of a deleted record
        await jobs.submit(job.job_id, 1, 1, "flux", "image", {"prompt": "a cat"}, 2)
    assert await money(redis, 1) == balance


async def test_temp_files_older_than_an_hour_go(redis: Redis, tmp_path: Path) -> None:
    maintenance = _maintenance(redis, Clock(time.time()), tmp_path)
    await maintenance.start()
    await maintenance.stop()
    tmp = temp_dir(tmp_path)
    old, fresh = tmp / "old.jpg", tmp / "nested" / "fresh.jpg"
    fresh.parent.mkdir()
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    keep = tmp_path / "catalog.toml"  # outside tmp/: never touched
    keep.write_text("x")
    os.utime(keep, (two_hours_ago, two_hours_ago))

    assert await maintenance.clean_temp_files() == 1
    assert not old.exists()
    assert fresh.exists()
    assert keep.exists()


async def test_conversation_state_without_a_ttl_goes(redis: Redis, tmp_path: Path) -> None:
    # A TTL below zero makes every idle time "too old", without waiting for one.
    maintenance = _maintenance(redis, Clock(), tmp_path, conversation_ttl_s=-1)
    await redis.set(KEYS.conversation(1, "photos"), "{}")  # written without a TTL: a leak
    await redis.set(KEYS.conversation(2, "photos"), "{}", ex=900)  # expires on its own
    await redis.set(KEYS.user(1), "not conversation state")

    assert await maintenance.clean_conversations() == 1
    assert not await redis.exists(KEYS.conversation(1, "photos"))
    assert await redis.exists(KEYS.conversation(2, "photos"), KEYS.user(1)) == 2


async def test_accounts_from_before_the_users_set_join_it_once(
    redis: Redis, tmp_path: Path
) -> None:
    await redis.hset(KEYS.user(11), mapping={"balance": 5, "granted": 1})
    await redis.hset(KEYS.user(12), mapping={"balance": 5, "granted": 1})
    await redis.hset(KEYS.user(13), mapping={"balance": 5})  # opened by an operator only
    await redis.hset(KEYS.preferences(11), mapping={"lang": "en"})
    maintenance = _maintenance(redis, Clock(), tmp_path)

    assert await maintenance.backfill_users() == 2
    assert await redis.smembers(KEYS.users) == {"11", "12"}
    await redis.hset(KEYS.user(14), mapping={"granted": 1})
    assert await maintenance.backfill_users() == 0  # once per database
