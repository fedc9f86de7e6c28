"""Start-up recovery: every unfinished job in Redis is carried on from its state.

Jobs that were in flight (submitting, running, delivering) resume at once, ahead of the
queue: they hold paid reservations and, for running ones, a task at KIE that is already
generating. Queued jobs are offered again in their durable order (`kb:queue:{class}`).
Nothing is dropped: a queued job that does not fit the in-memory queue resumes like an
in-flight one and waits for a slot.
"""

from __future__ import annotations

from collections import Counter

from loguru import logger

from kiebot.jobs.record import JobStore
from kiebot.jobs.scheduler import Scheduler
from kiebot.jobs.states import JobState

IN_FLIGHT = frozenset({JobState.SUBMITTING, JobState.RUNNING, JobState.DELIVERING})


async def recover(store: JobStore, scheduler: Scheduler) -> Counter[str]:
    """Hand every unfinished job back to the scheduler; returns counts by state."""
    counts: Counter[str] = Counter()
    jobs = await store.get_many(await store.active_job_ids())
    for job in sorted(jobs, key=lambda j: j.created_at):
        if job.state in IN_FLIGHT:
            scheduler.resume(job.job_class, job.job_id)
            counts[job.state.value] += 1
    for job_class in scheduler.job_classes:
        for job_id in await store.queued_ids(job_class):
            if not scheduler.offer(job_class, job_id):
                scheduler.resume(job_class, job_id)
            counts[JobState.QUEUED.value] += 1
    if counts:
        logger.info("recovered unfinished jobs: {}", dict(counts))
    return counts
