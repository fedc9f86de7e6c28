"""The job state machine: the states, which moves are allowed, and how each end settles.

This table is the one source of truth: `JobStore.transition` sends Redis the states a
move is allowed from, computed here, so the Lua script holds no copy of it.

```
created ─▶ queued ─▶ submitting ─▶ running ─▶ delivering ─▶ done
             ▲            │
             └────────────┘  (handed back: KIE could not take the task yet)
queued | submitting | running ─▶ failed | cancelled | expired
delivering ─▶ failed
```
`delivering` may fail but may not be cancelled or expire: the provider's work is done
and paid for, and the result is on its way to the user (DESIGN invariant 3). A job
enters `created` only in memory: `JobStore.submit` writes it as `queued` at once, with
both timestamps, so `created -> queued` exists for completeness of the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal


class JobState(StrEnum):
    CREATED = "created"
    QUEUED = "queued"
    SUBMITTING = "submitting"
    RUNNING = "running"
    DELIVERING = "delivering"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


_ENDS_EARLY = frozenset({JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED})

TRANSITIONS: Mapping[JobState, frozenset[JobState]] = {
    JobState.CREATED: frozenset({JobState.QUEUED}),
    JobState.QUEUED: frozenset({JobState.SUBMITTING}) | _ENDS_EARLY,
    # Back to queued: the runner hands a job back when KIE could not take it yet (a
    # retryable create error), so the job waits for its turn again instead of failing.
    JobState.SUBMITTING: frozenset({JobState.RUNNING, JobState.QUEUED}) | _ENDS_EARLY,
    JobState.RUNNING: frozenset({JobState.DELIVERING}) | _ENDS_EARLY,
    JobState.DELIVERING: frozenset({JobState.DONE, JobState.FAILED}),
    JobState.DONE: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
    JobState.EXPIRED: frozenset(),
}

Settlement = Literal["capture", "release"]

# How a final state settles the job's reservation: only a delivered result is paid for.
SETTLEMENT: Mapping[JobState, Settlement] = {
    JobState.DONE: "capture",
    JobState.FAILED: "release",
    JobState.CANCELLED: "release",
    JobState.EXPIRED: "release",
}

FINAL_STATES: frozenset[JobState] = frozenset(SETTLEMENT)


def is_final(state: JobState) -> bool:
    return state in FINAL_STATES


def can_move(from_state: JobState, to_state: JobState) -> bool:
    return to_state in TRANSITIONS[from_state]


def sources(to_state: JobState) -> frozenset[JobState]:
    """The states a job may move to `to_state` from."""
    return frozenset(s for s, targets in TRANSITIONS.items() if to_state in targets)
