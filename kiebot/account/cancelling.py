"""/cancel: stop the user's running generations, with their credits back.

With one cancellable job, /cancel cancels it at once: there is nothing to ask. With
several, the user picks one or all (asking beats guessing which one they meant, and
"the latest" is often not the slow video they want gone). A job already delivering is
not cancellable (its result is paid for and on its way) and is reported as such.
Cancelling itself is `JobService.cancel`: the state move releases the reservation in
the same Lua step and the job's status message says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kiebot.jobs import Job, JobNotFound, JobStore
from kiebot.jobs.errors import InvalidTransition
from kiebot.jobs.service import CANCELLABLE, JobService


class CancelOutcome(StrEnum):
    NOTHING = "nothing"  # no unfinished job
    TOO_LATE = "too_late"  # only jobs whose result is already on its way
    CANCELLED = "cancelled"
    CHOOSE = "choose"  # several: the user picks


@dataclass(frozen=True, slots=True)
class Cancellation:
    outcome: CancelOutcome
    jobs: list[Job] = field(default_factory=list)  # cancelled, or the ones to choose from

    @property
    def refunded(self) -> int:
        return sum(job.price for job in self.jobs) if self.outcome is CancelOutcome.CANCELLED else 0


class Cancellations:
    def __init__(self, store: JobStore, jobs: JobService) -> None:
        self._store = store
        self._jobs = jobs

    async def cancel(self, user_id: int) -> Cancellation:
        """The /cancel command: cancel the one running job, or offer the choice."""
        active = await self._active(user_id)
        cancellable = [job for job in active if job.state in CANCELLABLE]
        if len(cancellable) > 1:
            return Cancellation(CancelOutcome.CHOOSE, cancellable)
        if cancellable:
            return await self._cancel_each(user_id, cancellable)
        return Cancellation(CancelOutcome.TOO_LATE if active else CancelOutcome.NOTHING)

    async def cancel_one(self, user_id: int, job_id: str) -> Cancellation:
        """A pick from the choice; another user's job id is `JobNotFound`."""
        job = await self._jobs.cancel(user_id=user_id, job_id=job_id)
        return Cancellation(CancelOutcome.CANCELLED, [job])

    async def cancel_all(self, user_id: int) -> Cancellation:
        active = await self._active(user_id)
        return await self._cancel_each(user_id, [j for j in active if j.state in CANCELLABLE])

    async def _cancel_each(self, user_id: int, jobs: list[Job]) -> Cancellation:
        cancelled: list[Job] = []
        for job in jobs:
            try:
                cancelled.append(await self._jobs.cancel(user_id=user_id, job_id=job.job_id))
            except (InvalidTransition, JobNotFound):
                continue  # it moved on meanwhile (delivered, failed): nothing to give back
        if not cancelled:
            return Cancellation(CancelOutcome.TOO_LATE if jobs else CancelOutcome.NOTHING)
        return Cancellation(CancelOutcome.CANCELLED, cancelled)

    async def _active(self, user_id: int) -> list[Job]:
        """The user's unfinished jobs, oldest first."""
        jobs = await self._store.get_many(await self._store.user_active_job_ids(user_id))
        return sorted(jobs, key=lambda job: job.created_at)
