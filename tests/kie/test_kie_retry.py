"""The backoff policy on a fake clock: growing, capped, jittered, validated."""

from __future__ import annotations

import pytest

from kiebot.kie import Backoff
from tests.kie.conftest import SleepLog, ceiling_jitter


@pytest.mark.parametrize(
    "kwargs",
    [{"base": 0}, {"base": -1}, {"base": 2, "cap": 1}, {"max_attempts": 0}],
)
def test_invalid_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="Backoff"):
        Backoff(**kwargs)  # type: ignore[arg-type]


def test_ceilings_grow_exponentially_up_to_the_cap() -> None:
    policy = Backoff(base=0.5, cap=5.0)
    assert [policy.ceiling(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert policy.ceiling(10_000) == 5.0  # no overflow on absurd attempt numbers


def test_full_jitter_draws_between_zero_and_the_ceiling() -> None:
    draws: list[tuple[float, float]] = []

    def record(low: float, high: float) -> float:
        draws.append((low, high))
        return (low + high) / 2

    policy = Backoff(base=1.0, cap=3.0, uniform=record)
    assert [policy.delay(n) for n in range(3)] == [0.5, 1.0, 1.5]
    assert draws == [(0.0, 1.0), (0.0, 2.0), (0.0, 3.0)]


async def test_wait_sleeps_the_drawn_delay_but_never_less_than_asked() -> None:
    sleeps = SleepLog()
    policy = Backoff(base=1.0, cap=8.0, uniform=ceiling_jitter, sleep=sleeps)
    assert await policy.wait(2) == 4.0
    assert await policy.wait(0, at_least=3.0) == 3.0
    assert sleeps.waits == [4.0, 3.0]


def test_the_real_jitter_stays_in_range() -> None:
    policy = Backoff(base=0.1, cap=1.0)
    for n in range(8):
        assert all(0.0 <= policy.delay(n) <= policy.ceiling(n) for _ in range(50))
