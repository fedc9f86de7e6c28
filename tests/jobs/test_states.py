"""The transition table itself: complete, final states closed, settlement only at the end."""

from __future__ import annotations

import pytest

from kiebot.jobs.states import (
    FINAL_STATES,
    SETTLEMENT,
    TRANSITIONS,
    JobState,
    can_move,
    is_final,
    sources,
)


def test_every_state_has_a_row_and_final_states_lead_nowhere() -> None:
    assert set(TRANSITIONS) == set(JobState)
    for state in FINAL_STATES:
        assert TRANSITIONS[state] == frozenset()
    for state in set(JobState) - FINAL_STATES:
        assert TRANSITIONS[state], f"{state} is a dead end that is not final"


def test_only_done_captures_and_every_other_end_releases() -> None:
    assert {JobState.DONE, JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED} == FINAL_STATES
    assert SETTLEMENT[JobState.DONE] == "capture"
    assert {SETTLEMENT[s] for s in FINAL_STATES - {JobState.DONE}} == {"release"}


@pytest.mark.parametrize("end", [JobState.CANCELLED, JobState.EXPIRED])
def test_a_result_being_delivered_cannot_be_cancelled_or_expire(end: JobState) -> None:
    assert not can_move(JobState.DELIVERING, end)


def _reachable(start: JobState) -> set[JobState]:
    reached, frontier = {start}, [start]
    while frontier:
        for target in TRANSITIONS[frontier.pop()] - reached:
            reached.add(target)
            frontier.append(target)
    return reached


def test_every_state_is_reachable_from_queued_and_every_job_can_end() -> None:
    assert _reachable(JobState.QUEUED) == set(JobState) - {JobState.CREATED}
    for state in set(JobState) - FINAL_STATES:
        assert _reachable(state) & FINAL_STATES, f"a job in {state} could never end"
    assert all(is_final(s) for s in FINAL_STATES)


def test_sources_is_the_inverse_of_the_table() -> None:
    for target in JobState:
        assert sources(target) == {s for s in JobState if can_move(s, target)}
    assert sources(JobState.DONE) == {JobState.DELIVERING}
    assert sources(JobState.CREATED) == frozenset()
