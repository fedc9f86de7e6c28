"""Money and job invariants under random interleavings (DESIGN invariants 1 and 2).

A hypothesis state machine submits, moves, ends, retries and adjusts across a few users on
the real Redis, and after every step checks, per user: balance = the sum of the ledger,
held = the sum of the prices of unfinished jobs, neither below zero; and per job: in the
active sets and the queue exactly when its state says so, settled once iff it ended.

Hypothesis drives sync code, so each run owns an event loop and a Redis client, made in
`__init__` and closed in `teardown`; the `redis` fixture (function-scoped, async) is not
used because one test function runs many examples.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from redis.asyncio import Redis

from kiebot.billing import InsufficientBalance
from kiebot.jobs import (
    FINAL_STATES,
    SETTLEMENT,
    TRANSITIONS,
    InsufficientCredits,
    InvalidTransition,
    Job,
    JobState,
    QueueFull,
    TooManyActiveJobs,
    new_job_id,
)
from kiebot.store import create_redis
from tests.billing.support import KEYS, Clock, ledger_sum, money, snapshot, stores
from tests.support.redis_server import RedisServer

T = TypeVar("T")
USERS = (1, 2, 3)
LIMITS = {"max_active_per_user": 3, "max_queue": 5, "rate_limit": 1000}
SUBMIT_REFUSALS = (InsufficientCredits, TooManyActiveJobs, QueueFull)

users = st.sampled_from(USERS)
picks = st.integers(min_value=0, max_value=1000)  # which known job, modulo their number
ends = st.sampled_from(sorted(FINAL_STATES))


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.redis = create_redis(url, pool_size=8, timeout_s=2.0)
        self.clock = Clock()
        self.jobs, self.billing = stores(self.redis, self.clock, starting_credits=8)
        self.submitted: list[tuple[str, tuple[Any, ...]]] = []  # job id, submit arguments
        self.run(self.redis.flushdb())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.redis.aclose())
        self.loop.close()

    def pick(self, index: int) -> str:
        return self.submitted[index % len(self.submitted)][0]

    # -- rules ----------------------------------------------------------------------------

    @rule(user=users)
    def open_account(self, user: int) -> None:
        self.run(self.billing.ensure_account(user))

    @rule(user=users, price=st.integers(0, 6), job_class=st.sampled_from(["image", "video"]))
    def submit(self, user: int, price: int, job_class: str) -> None:
        self.clock.advance(1)
        args = (new_job_id(), user, user, "m", job_class, {"p": price}, price)
        before = self.run(snapshot(self.redis, skip=(KEYS.user_submits(user),)))
        try:
            job = self.run(self.jobs.submit(*args, **LIMITS))
        except SUBMIT_REFUSALS:
            after = self.run(snapshot(self.redis, skip=(KEYS.user_submits(user),)))
            assert after == before, "a refused submit changed something"
            return
        assert job.state is JobState.QUEUED
        self.submitted.append((job.job_id, args))

    @precondition(lambda self: self.submitted)
    @rule(index=picks)
    def retry_submit(self, index: int) -> None:
        job_id, args = self.submitted[index % len(self.submitted)]
        before = self.run(snapshot(self.redis))
        job = self.run(self.jobs.submit(*args, **LIMITS))
        assert job.job_id == job_id
        assert self.run(snapshot(self.redis)) == before

    @precondition(lambda self: self.submitted)
    @rule(index=picks, choice=st.integers(0, 10))
    def advance(self, index: int, choice: int) -> None:
        """One move the table allows from where the job is (often none: it ended)."""
        job = self.run(self.jobs.get(self.pick(index)))
        assert job is not None
        targets = sorted(TRANSITIONS[job.state])
        if targets:
            moved = self.run(self.jobs.transition(job.job_id, targets[choice % len(targets)]))
            assert moved.state == targets[choice % len(targets)]

    @precondition(lambda self: self.submitted)
    @rule(index=picks, to=st.sampled_from(sorted(JobState)))
    def move_anywhere(self, index: int, to: JobState) -> None:
        job = self.run(self.jobs.get(self.pick(index)))
        assert job is not None
        move = self.jobs.transition(job.job_id, to)
        if to in TRANSITIONS[job.state] or (to is job.state and job.is_final):
            assert self.run(move).state is to
        else:
            with pytest.raises(InvalidTransition):
                self.run(move)

    @precondition(lambda self: self.submitted)
    @rule(index=picks, racing=st.lists(ends, min_size=2, max_size=6))
    def race_ends(self, index: int, racing: list[JobState]) -> None:
        job_id = self.pick(index)
        moves = (self.jobs.transition(job_id, end) for end in racing)
        results = self.run(_gather(*moves))
        assert sum(isinstance(r, Job) for r in results) <= len(racing)
        assert all(isinstance(r, Job | InvalidTransition) for r in results)

    @rule(user=users, amount=st.integers(-12, 12).filter(bool), key=st.sampled_from("abc"))
    def adjust(self, user: int, amount: int, key: str) -> None:
        """Operator adjustments with few op keys, so some are retries that must not apply."""
        balance, _ = self.run(money(self.redis, user))
        repeated = self.run(self.redis.hexists(KEYS.applied(user), f"adjust:{key * 3}"))
        adjust = self.billing.adjust(user, amount, reason="test", actor="prop", op_key=key * 3)
        if not repeated and balance + amount < 0:
            with pytest.raises(InsufficientBalance):
                self.run(adjust)
        else:
            assert self.run(adjust) == (balance if repeated else balance + amount)

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def money_adds_up(self) -> None:
        jobs = self.run(self.jobs.get_many([job_id for job_id, _ in self.submitted]))
        for user in USERS:
            balance, held = self.run(money(self.redis, user))
            assert balance == self.run(ledger_sum(self.redis, user))
            open_prices = sum(j.price for j in jobs if j.user_id == user and not j.is_final)
            assert held == open_prices
            assert balance >= 0
            assert held >= 0
            # What the user was given, less what they spent: a job costs its price
            # unless it ended without a result (released), so refunds are checked too.
            given = self.run(_given(self.redis, user))
            costs = sum(
                j.price
                for j in jobs
                if j.user_id == user and SETTLEMENT.get(j.state, "capture") == "capture"
            )
            assert balance == given - costs

    @invariant()
    def every_job_is_where_its_state_says(self) -> None:
        jobs = self.run(self.jobs.get_many([job_id for job_id, _ in self.submitted]))
        active = set(self.run(self.jobs.active_job_ids()))
        assert active == {j.job_id for j in jobs if not j.is_final}
        for job_class in ("image", "video"):
            queued = self.run(self.jobs.queued_ids(job_class))
            expected = {j.job_id for j in jobs if j.job_class == job_class}
            assert set(queued) == {j for j in expected if self._state(jobs, j) is JobState.QUEUED}
            assert len(queued) == len(set(queued))
        for job in jobs:
            self._settled_once(job)

    @staticmethod
    def _state(jobs: list[Job], job_id: str) -> JobState:
        return next(j.state for j in jobs if j.job_id == job_id)

    def _settled_once(self, job: Job) -> None:
        applied = self.run(self.redis.hgetall(KEYS.applied(job.user_id)))
        settled = {kind for kind in ("capture", "release") if f"{kind}:{job.job_id}" in applied}
        assert settled == ({SETTLEMENT[job.state]} if job.is_final else set())
        assert f"reserve:{job.job_id}" in applied


async def _given(redis: Redis, user: int) -> int:
    entries = await redis.xrange(KEYS.ledger(user))
    return sum(int(f["amount"]) for _, f in entries if f["type"] in ("grant", "adjustment"))


async def _gather(*moves: Coroutine[Any, Any, Job]) -> list[Job | BaseException]:
    return await asyncio.gather(*moves, return_exceptions=True)


def test_money_and_jobs_stay_consistent_under_random_interleavings(
    redis_server: RedisServer,
) -> None:
    run_state_machine_as_test(
        lambda: MoneyMachine(redis_server.url),
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
