"""Jobs: the record, the state machine, the scheduler, the runner, polling, recovery."""

from kiebot.jobs.errors import (
    AlreadySubmitted,
    InsufficientCredits,
    InvalidTransition,
    JobError,
    JobNotFound,
    ModelOverBudget,
    QueueFull,
    SubmitRateLimited,
    TooManyActiveJobs,
)
from kiebot.jobs.record import (
    Job,
    JobClass,
    JobFields,
    JobStore,
    job_id_for_message,
    new_job_id,
)
from kiebot.jobs.states import FINAL_STATES, SETTLEMENT, TRANSITIONS, JobState

__all__ = [
    "FINAL_STATES",
    "SETTLEMENT",
    "TRANSITIONS",
    "AlreadySubmitted",
    "InsufficientCredits",
    "InvalidTransition",
    "Job",
    "JobClass",
    "JobError",
    "JobFields",
    "JobNotFound",
    "JobState",
    "JobStore",
    "ModelOverBudget",
    "QueueFull",
    "SubmitRateLimited",
    "TooManyActiveJobs",
    "job_id_for_message",
    "new_job_id",
]
