"""Why a job was refused or could not move, as typed errors with structured fields.

The submit refusals carry what the user needs to hear (their balance, the wait) and a
`user_message_key` for the bot's one error handler; the others are programming or race
outcomes a service decides about (`InvalidTransition` when a cancel lost to delivery).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiebot.errors import KiebotError
from kiebot.jobs.states import JobState

if TYPE_CHECKING:
    from kiebot.jobs.record import Job


class JobError(KiebotError):
    """Base of the errors of the job record and its state machine."""


class InsufficientCredits(JobError):
    """The user's spendable balance is below the job's price; nothing was reserved."""

    user_message_key = "job.insufficient_credits"

    def __init__(self, *, balance: int, price: int) -> None:
        super().__init__(f"balance {balance} is below the price {price}")
        self.balance = balance
        self.price = price


class TooManyActiveJobs(JobError):
    """The user already has `limit` unfinished jobs; one must end before the next."""

    user_message_key = "job.too_many_active"

    def __init__(self, *, limit: int) -> None:
        super().__init__(f"already {limit} unfinished jobs")
        self.limit = limit


class SubmitRateLimited(JobError):
    """The user submitted too many jobs within the window; `retry_after` says how long."""

    user_message_key = "job.rate_limited"

    def __init__(self, *, retry_after: float) -> None:
        super().__init__(f"too many submits; retry in {retry_after:.1f} s", retry_after=retry_after)


class QueueFull(JobError):
    """The class's queue is full: the service is busy, the user should try again later."""

    user_message_key = "job.queue_full"

    def __init__(self, *, job_class: str) -> None:
        super().__init__(f"the {job_class} queue is full")
        self.job_class = job_class


class ModelOverBudget(JobError):
    """Today's spend on the model reached the operator's `daily_budget`; nothing was
    reserved. Normally caught before submit (`catalog.health` offers the fallback); this
    is the race where another job reached the budget in between."""

    user_message_key = "model.over_budget"

    def __init__(self, *, model: str, budget: int, spent: int) -> None:
        super().__init__(f"model {model} spent {spent} of its daily budget {budget}")
        self.model = model
        self.budget = budget
        self.spent = spent


class InvalidTransition(JobError):
    """The job is in a state the requested move is not allowed from; nothing changed.

    Usually a lost race (the user cancelled while the result was being delivered), so the
    caller reads `from_state` and carries on from there rather than reporting a failure.
    """

    def __init__(self, *, job_id: str, from_state: JobState, to_state: JobState) -> None:
        super().__init__(f"job {job_id}: {from_state} -> {to_state} is not allowed")
        self.job_id = job_id
        self.from_state = from_state
        self.to_state = to_state


class JobNotFound(JobError):
    """No record for this job id (never submitted, or its record was deleted)."""

    user_message_key = "job.not_found"

    def __init__(self, *, job_id: str) -> None:
        super().__init__(f"no job {job_id}")
        self.job_id = job_id


class AlreadySubmitted(JobError):
    """The job id was submitted before (Telegram delivered the message again after a
    crash): nothing was reserved or written now, and `job` is the record as it stands,
    which the first submit's path is carrying on."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"job {job.job_id} was submitted before")
        self.job = job
