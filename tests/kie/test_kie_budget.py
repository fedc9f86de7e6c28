"""Budgets and the key pool on deterministic time.

The budgets read `loop.time()`; like aiolimiter's own tests we replace it with a clock
the test moves by hand, and only ever take capacity that `has_capacity()` promised, so no
timer needs to fire while time is frozen.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

import pytest
from aiolimiter import AsyncLimiter

from kiebot.kie import (
    KeyPool,
    KeyState,
    KieInsufficientCredits,
    KieKeyLimitExceeded,
    KieNoKeyAvailable,
    KieUnauthorized,
    Rate,
    fingerprint,
)
from kiebot.kie.budget import RateBudget, create_rate, read_rate
from tests.kie.conftest import KEY_A, KEY_B, KEY_C

ID_A, ID_B, ID_C = fingerprint(KEY_A), fingerprint(KEY_B), fingerprint(KEY_C)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def frozen_time() -> Iterator[Clock]:
    clock = Clock()
    with patch.object(asyncio.get_running_loop(), "time", clock):
        yield clock


def max_in_any_window(times: list[float], window: float) -> int:
    """The most events inside any closed interval of length `window`."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_right(ordered, t + window) - i for i, t in enumerate(ordered)), default=0
    )


async def _greedy(acquire: AsyncLimiter | RateBudget, clock: Clock, seconds: float) -> list[float]:
    """Take every slot the limiter offers, on a 10 ms grid, for `seconds`."""
    taken: list[float] = []
    end = clock.now + seconds
    while clock.now < end:
        while acquire.has_capacity():
            await acquire.acquire()
            taken.append(clock.now)
        clock.now = round(clock.now + 0.01, 6)
    return taken


# -- the limiter maths ------------------------------------------------------------------------


async def test_naive_aiolimiter_would_double_kies_window() -> None:
    """Why the budget is not AsyncLimiter(20, 10): a greedy caller gets ~39 into 10 s."""
    with frozen_time() as clock:
        taken = await _greedy(AsyncLimiter(20, 10), clock, 60)
    assert max_in_any_window(taken, 10) > 30


@pytest.mark.parametrize(
    "rate",
    [
        create_rate(20, 10.0),
        read_rate(10, 1.0),
        Rate(20, 1.0),
        Rate(1, 1.0),
        Rate(7, 2.0, slack_s=0),
    ],
)
async def test_a_greedy_caller_never_exceeds_the_window(rate: Rate) -> None:
    with frozen_time() as clock:
        taken = await _greedy(RateBudget(rate), clock, 30 * rate.window_s)
    assert max_in_any_window(taken, rate.window_s) <= rate.limit
    # ...even for a receiver whose window is stretched by the configured slack
    assert max_in_any_window(taken, rate.guarded_window_s) <= rate.limit


async def test_creates_burst_the_whole_limit_then_sustain_95_percent_of_the_cap() -> None:
    """A backlog of creates drains at >= 95% of KIE's 2/s (the benchmark's target)."""
    creates = create_rate(20, 10.0)
    assert creates.sustained_per_s >= 0.95 * 2.0
    with frozen_time() as clock:
        started = clock.now
        taken = await _greedy(RateBudget(creates), clock, 100)
    assert taken[:20] == [started] * 20  # a crowd from idle is served at once
    assert (len(taken) - 20) / (taken[-1] - taken[0]) >= 0.95 * 2.0


async def test_reads_sustain_the_rate_they_promise() -> None:
    reads = read_rate(10, 1.0)
    with frozen_time() as clock:
        taken = await _greedy(RateBudget(reads), clock, 20)
    assert reads.sustained_per_s >= 0.95 * 10
    assert (len(taken) - 10) / (taken[-1] - taken[0]) >= 0.98 * reads.sustained_per_s


@pytest.mark.parametrize(
    "kwargs",
    [
        {"limit": 0, "window_s": 1.0},
        {"limit": 5, "window_s": 0.0},
        {"limit": 5, "window_s": 1.0, "slack_s": -1},
    ],
)
def test_invalid_rates_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="Rate"):
        Rate(**kwargs)  # type: ignore[arg-type]


async def test_a_cool_down_closes_the_budget_for_a_whole_window() -> None:
    with frozen_time() as clock:
        budget = RateBudget(Rate(10, 2.0))
        assert budget.has_capacity()
        assert budget.cool_down() == 2.0
        assert not budget.has_capacity()
        clock.now += 1.99
        assert not budget.has_capacity()
        clock.now += 0.02
        assert budget.has_capacity()
        assert budget.cool_down(retry_after=5.0) == 5.0  # a longer Retry-After wins


async def test_acquire_waits_out_a_cool_down() -> None:
    budget = RateBudget(Rate(10, 0.2))
    budget.cool_down()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await budget.acquire()
    assert loop.time() - started >= 0.2


async def test_slots_given_during_a_cool_down_are_void_not_bunched() -> None:
    """Regression: holders of slots taken during a cool-down all fired when it ended."""
    rate = Rate(10, 0.2)
    budget = RateBudget(rate)
    loop = asyncio.get_running_loop()
    sent: list[float] = []

    async def caller() -> None:
        await budget.acquire()
        sent.append(loop.time())

    callers = [asyncio.create_task(caller()) for _ in range(40)]
    await asyncio.sleep(0.15)
    budget.cool_down()  # a 429 arrives while most callers are queued in the limiter
    await asyncio.gather(*callers)
    assert max_in_any_window(sent, rate.window_s) <= rate.limit
    assert not [t for t in sent if 0.15 < t - sent[0] < 0.35]  # nothing went out meanwhile


async def test_a_grant_answered_late_pushes_the_next_back_to_answer_plus_window() -> None:
    """Regression (issue 3, 11 reads in a second): a slot counts from its answer.

    KIE counts a call when it arrives, which can be any time before its answer: the next
    grant that waits on this slot must be a guarded window after the answer, not the grant.
    """
    rate = Rate(2, 1.0, slack_s=0.05)
    with frozen_time() as clock:
        budget = RateBudget(rate)
        first = await budget.acquire()
        await budget.acquire()
        clock.now += 0.3
        first.answered()  # the reply to the first call came 300 ms after its grant
        assert first.at == clock.now
        clock.now += 0.9  # 1.2 s after the grant: the old rule would give a slot here
        assert not budget.has_capacity()
        clock.now = first.at + rate.guarded_window_s - 0.001
        assert not budget.has_capacity()
        clock.now = first.at + rate.guarded_window_s + 0.001
        assert budget.has_capacity()
        await budget.acquire()


async def test_an_unanswered_grant_keeps_its_grant_time() -> None:
    """A call still in flight (it may hang for the whole timeout) does not hold the budget."""
    rate = Rate(1, 1.0, slack_s=0.05)
    with frozen_time() as clock:
        budget = RateBudget(rate)
        in_flight = await budget.acquire()
        granted = in_flight.at
        clock.now = granted + rate.guarded_window_s - 0.001
        assert not budget.has_capacity()
        clock.now = granted + rate.guarded_window_s + 0.001
        assert budget.has_capacity()
        await budget.acquire()
        in_flight.answered()  # answered after the next grant: too late to matter, harmless
        assert in_flight.at == clock.now


async def test_an_answer_never_moves_a_slot_earlier() -> None:
    with frozen_time() as clock:
        budget = RateBudget(Rate(1, 1.0))
        grant = await budget.acquire()
        clock.now -= 0.5  # only a test's clock goes backwards; at = max(granted, answered)
        grant.answered()
        assert grant.at == clock.now + 0.5


async def test_answers_out_of_order_still_hold_the_window() -> None:
    """The log is not sorted once answers come back out of order; each grant waits on the
    one `limit` back, and no window of arrivals holds more than `limit`."""
    rate = Rate(3, 1.0, slack_s=0.0)
    with frozen_time() as clock:
        budget = RateBudget(rate)
        grants = [await budget.acquire() for _ in range(3)]
        arrivals = [clock.now + lag for lag in (0.4, 0.0, 0.2)]  # sent late, then answered
        clock.now += 0.5
        for grant in reversed(grants):
            grant.answered()
        taken = await _greedy(budget, clock, 3.0)
    # every later call arrives no earlier than its grant
    assert max_in_any_window(arrivals + taken, rate.window_s) <= rate.limit


# -- the key pool -----------------------------------------------------------------------------


def test_keys_are_named_by_fingerprint_only() -> None:
    assert ID_A.startswith("key-")
    assert len(ID_A) == 12
    assert KEY_A not in repr(KeyPool([KEY_A])._keys)


@pytest.mark.parametrize("keys", [[], [""], [KEY_A, KEY_A]])
def test_bad_key_lists_are_refused(keys: list[str]) -> None:
    with pytest.raises(ValueError, match="key"):
        KeyPool(keys)


async def test_secret_str_keys_are_accepted() -> None:
    from pydantic import SecretStr

    pool = KeyPool([SecretStr(KEY_A)])
    assert pool.key_ids == (ID_A,)
    assert pool.authorization(ID_A) == f"Bearer {KEY_A}"


async def test_creates_go_round_robin() -> None:
    pool = KeyPool([KEY_A, KEY_B, KEY_C])
    picked = [(await pool.acquire_create()).key_id for _ in range(6)]
    assert sorted(picked) == sorted([ID_A, ID_B, ID_C] * 2)
    assert picked[:3] != [picked[0]] * 3


async def test_creates_skip_a_key_without_capacity() -> None:
    with frozen_time():
        pool = KeyPool([KEY_A, KEY_B], create_limit=1, create_window_s=10.0)
        await pool._keys[ID_A].creates.acquire()  # A's window is spent elsewhere
        assert (await pool.acquire_create()).key_id == ID_B  # A's turn, but B can go now


async def test_with_no_key_free_the_one_cooling_down_least_is_queued_on() -> None:
    with frozen_time():
        pool = KeyPool([KEY_A, KEY_B], create_limit=2, create_window_s=10.0)
        picked = [(await pool.acquire_create()).key_id for _ in range(4)]
        assert sorted(picked) == sorted([ID_A, ID_A, ID_B, ID_B])
        pool.penalize(ID_A, "create")
        assert not any(pool._keys[k].creates.has_capacity() for k in (ID_A, ID_B))
        assert {pool._pick(pool._active()).key_id for _ in range(4)} == {ID_B}


async def test_a_401_rejects_for_good_and_reports_once() -> None:
    reports: list[tuple[str, str]] = []
    pool = KeyPool([KEY_A, KEY_B], on_key_rejected=lambda k, why: reports.append((k, why)))
    pool.report_fault(ID_A, KieUnauthorized(key_id=ID_A))
    pool.report_fault(ID_A, KieUnauthorized(key_id=ID_A))  # a concurrent call saw it too
    assert reports == [(ID_A, "unauthorized (401)")]
    assert pool.active_key_ids() == [ID_B]
    assert [(await pool.acquire_create()).key_id for _ in range(3)] == [ID_B] * 3
    with pytest.raises(KieNoKeyAvailable):
        await pool.acquire_read(ID_A)


async def test_402_and_433_suspend_then_readmit() -> None:
    reports: list[str] = []
    with frozen_time() as clock:
        pool = KeyPool(
            [KEY_A, KEY_B], suspend_s=60, on_key_rejected=lambda k, why: reports.append(why)
        )
        pool.report_fault(ID_A, KieInsufficientCredits())
        pool.report_fault(ID_B, KieKeyLimitExceeded())
        assert reports == ["account out of credits (402)", "key usage limit exceeded (433)"]
        assert [s.state for s in pool.status()] == [KeyState.SUSPENDED] * 2
        assert pool.status()[0].back_in_s == pytest.approx(60)
        with pytest.raises(KieNoKeyAvailable):
            await pool.acquire_create()
        await pool.acquire_read(ID_A)  # reads still work for a suspended key
        clock.now += 60
        assert pool.active_key_ids() == [ID_A, ID_B]
        assert pool.status()[0].reason is None


async def test_restore_brings_a_rejected_key_back() -> None:
    pool = KeyPool([KEY_A])
    pool.report_fault(ID_A, KieUnauthorized())
    assert pool.status()[0].state is KeyState.REJECTED
    pool.restore(ID_A)
    assert (await pool.acquire_create()).key_id == ID_A


async def test_a_failing_hook_does_not_break_the_pool() -> None:
    def explode(key_id: str, reason: str) -> None:
        raise RuntimeError("alerting is down")

    pool = KeyPool([KEY_A, KEY_B], on_key_rejected=explode)
    pool.report_fault(ID_A, KieUnauthorized())
    assert pool.active_key_ids() == [ID_B]


async def test_a_key_leaving_while_a_create_waits_sends_it_elsewhere() -> None:
    pool = KeyPool([KEY_A, KEY_B], create_limit=1, create_window_s=0.5)
    assert {(await pool.acquire_create()).key_id for _ in range(2)} == {ID_A, ID_B}
    waiter = asyncio.create_task(pool.acquire_create())
    await asyncio.sleep(0)
    pool.report_fault(ID_A, KieUnauthorized())
    assert (await waiter).key_id == ID_B


async def test_unknown_keys_are_typed_errors() -> None:
    pool = KeyPool([KEY_A])
    with pytest.raises(KieNoKeyAvailable):
        await pool.acquire_read("key-deadbeef")


async def test_concurrent_creates_respect_the_window_in_real_time() -> None:
    pool = KeyPool([KEY_A], create_limit=5, create_window_s=0.2)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def one() -> None:
        await pool.acquire_create()
        times.append(loop.time())

    await asyncio.gather(*(one() for _ in range(20)))
    assert max_in_any_window(times, 0.2) <= 5
