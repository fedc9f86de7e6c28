"""Helpers for the money and job-record tests: a fake clock, Redis snapshots, sums."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.jobs import Job, JobState, JobStore, new_job_id
from kiebot.store import Keys, Scripts

KEYS = Keys()
START = 1_700_000_000.0


class Clock:
    """Unix seconds that move only when a test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def stores(redis: Redis, clock: Clock, *, starting_credits: int = 10) -> tuple[JobStore, Billing]:
    scripts = Scripts(redis)
    jobs = JobStore(redis, KEYS, scripts, clock=clock)
    billing = Billing(redis, KEYS, scripts, starting_credits=starting_credits, clock=clock)
    return jobs, billing


async def submit(jobs: JobStore, user_id: int, price: int = 3, **limits: Any) -> Job:
    job_class = limits.pop("job_class", "image")
    return await jobs.submit(
        new_job_id(), user_id, user_id, "flux", job_class, {"prompt": "a cat"}, price, **limits
    )


async def ledger_sum(redis: Redis, user_id: int) -> int:
    entries = await redis.xrange(KEYS.ledger(user_id))
    return sum(int(fields["amount"]) for _, fields in entries)


async def money(redis: Redis, user_id: int) -> tuple[int, int]:
    """(balance, held) as stored."""
    balance, held = await redis.hmget(KEYS.user(user_id), ["balance", "held"])
    return int(balance or 0), int(held or 0)


async def ledger_types(redis: Redis, user_id: int) -> list[str]:
    return [fields["type"] for _, fields in await redis.xrange(KEYS.ledger(user_id))]


async def snapshot(redis: Redis, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every key and its value: a refused call must leave this exactly as it was."""
    found: dict[str, Any] = {}
    for key in sorted(await redis.keys("*")):
        if key in skip:
            continue
        found[key] = await _value(redis, key)
    return found


async def _value(redis: Redis, key: str) -> Any:
    kind = await redis.type(key)
    readers = {
        "hash": redis.hgetall,
        "set": redis.smembers,
        "list": lambda k: redis.lrange(k, 0, -1),
        "zset": lambda k: redis.zrange(k, 0, -1, withscores=True),
        "stream": redis.xrange,
        "string": redis.get,
    }
    return await readers[kind](key)


PATH_STATES = (JobState.SUBMITTING, JobState.RUNNING, JobState.DELIVERING)


async def drive(jobs: JobStore, job_id: str, *states: JobState) -> Job:
    """Move a job through `states` in order (each move must be allowed)."""
    job = await jobs.get(job_id)
    assert job is not None
    for state in states:
        job = await jobs.transition(job_id, state)
    return job
