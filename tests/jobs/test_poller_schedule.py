"""PollSchedule: KIE's advised intervals, the first check near the typical duration."""

from __future__ import annotations

import pytest

from kiebot.jobs.poller import PollSchedule


def low(a: float, b: float) -> float:
    return a


def high(a: float, b: float) -> float:
    return b


def test_the_first_check_comes_just_before_the_typical_duration() -> None:
    schedule = PollSchedule()
    assert schedule.first_check_after(100.0) == pytest.approx(90.0)
    assert schedule.first_check_after(10.0) == pytest.approx(9.0)
    assert schedule.first_check_after(1.0) == 2.0  # never sooner than KIE's 2 s
    assert schedule.first_check_after(0.0) == 2.0
    assert schedule.first_check_after(float("nan")) == 2.0


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (0.0, (2.0, 3.0)),
        (29.9, (2.0, 3.0)),
        (30.0, (5.0, 10.0)),
        (119.9, (5.0, 10.0)),
        (120.0, (15.0, 30.0)),
        (900.0, (15.0, 30.0)),
    ],
)
def test_intervals_follow_kies_advice(elapsed: float, expected: tuple[float, float]) -> None:
    schedule = PollSchedule()
    assert (schedule.interval(elapsed, low), schedule.interval(elapsed, high)) == expected


def test_the_interval_is_jittered_inside_its_range() -> None:
    schedule = PollSchedule()
    drawn = {round(schedule.interval(50.0), 3) for _ in range(50)}
    assert len(drawn) > 10
    assert all(5.0 <= d <= 10.0 for d in drawn)


def test_failed_reads_back_off_up_to_a_cap() -> None:
    schedule = PollSchedule()
    assert [schedule.retry_after(n) for n in (1, 2, 3, 4, 5, 6, 50)] == [
        5.0,
        10.0,
        20.0,
        40.0,
        60.0,
        60.0,
        60.0,
    ]
    assert schedule.retry_after(1, at_least=12.0) == 12.0  # KIE's retry_after wins


def test_scaled_keeps_the_shape() -> None:
    fast = PollSchedule().scaled(0.1)
    assert fast.first_check_after(1.0) == pytest.approx(0.9)
    assert fast.first_check_after(0.1) == pytest.approx(0.2)
    assert fast.interval(0.0, high) == pytest.approx(0.3)
    assert fast.interval(3.0, low) == pytest.approx(0.5)
    assert fast.retry_after(10) == pytest.approx(6.0)
    assert fast.first_share == 0.9


@pytest.mark.parametrize(
    "bad",
    [
        {"fast_s": (3.0, 2.0)},
        {"mid_s": (0.0, 1.0)},
        {"first_share": 1.5},
        {"first_min_s": 0.0},
        {"retry_s": 90.0},
    ],
)
def test_nonsense_schedules_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="PollSchedule"):
        PollSchedule(**bad)  # type: ignore[arg-type]
