"""What the bot and the admin side ask of jobs: submit, cancel, look up.

One function per user action, so handlers stay thin: they parse the update, call one of
these, and render what comes back or the typed error that comes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiebot.billing import Billing
from kiebot.catalog import Catalog, Kind
from kiebot.jobs.errors import InvalidTransition, JobNotFound, QueueFull
from kiebot.jobs.record import Job, JobStore, new_job_id
from kiebot.jobs.runner import JobNotifier, Runner
from kiebot.jobs.scheduler import Scheduler
from kiebot.jobs.states import JobState

CANCELLABLE = frozenset({JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING})


@dataclass(frozen=True, slots=True)
class JobLimits:
    """Per-user limits checked atomically at submit (defaults from the issue)."""

    max_active_per_user: int = 3
    rate_limit: int = 5
    rate_window_s: float = 60.0
    max_queue: int = 500


class JobNotCancellable(InvalidTransition):
    """The result is already on its way (delivering) or the job has ended."""

    user_message_key = "job.not_cancellable"


class JobService:
    def __init__(
        self,
        *,
        store: JobStore,
        billing: Billing,
        catalog: Catalog,
        scheduler: Scheduler,
        runner: Runner,
        notifier: JobNotifier,
        limits: JobLimits,
    ) -> None:
        self._store = store
        self._billing = billing
        self._catalog = catalog
        self._scheduler = scheduler
        self._runner = runner
        self._notifier = notifier
        self._limits = limits

    async def submit_prompt(
        self,
        *,
        user_id: int,
        chat_id: int,
        prompt: str,
        model_id: str | None = None,
        options: Mapping[str, Any] | None = None,
        job_id: str | None = None,
    ) -> Job:
        """Reserve the price and queue a text-to-image job; typed errors say why not.

        The input is built and checked (prompt length, options) before any credit
        moves; the queue's room is checked before the reservation so that a full queue
        costs the user nothing. A `job_id` that exists already (a prompt Telegram
        delivered again after a crash, see `job_id_for_message`) returns that job and
        does nothing else: recovery is already carrying it on.
        """
        if job_id is not None:
            existing = await self._store.get(job_id)
            if existing is not None:
                return existing
        await self._billing.ensure_account(user_id)
        entry = (
            self._catalog.get(model_id)
            if model_id
            else self._catalog.default_model(Kind.TEXT_TO_IMAGE)
        )
        chosen = options or {}
        task_input = entry.build_input(prompt, chosen)
        job_class = entry.job_class.value
        if not self._scheduler.has_room(job_class):
            raise QueueFull(job_class=job_class)
        job = await self._store.submit(
            job_id or new_job_id(),
            user_id,
            chat_id,
            entry.id,
            job_class,  # type: ignore[arg-type]
            task_input,
            entry.price_for(chosen),
            max_active_per_user=self._limits.max_active_per_user,
            max_queue=self._limits.max_queue,
            rate_limit=self._limits.rate_limit,
            rate_window_s=self._limits.rate_window_s,
        )
        if not self._scheduler.offer(job_class, job.job_id):
            # Filled up between the check and now: end it, which releases the reservation.
            await self._store.transition(job.job_id, JobState.FAILED, error="job.queue_full")
            raise QueueFull(job_class=job_class)
        await self._notifier.job_changed(job)  # sends the status message with its position
        return job

    def position(self, job: Job) -> int | None:
        return self._scheduler.position(job.job_class, job.job_id)

    async def get(self, job_id: str) -> Job | None:
        return await self._store.get(job_id)

    async def cancel(self, *, user_id: int, job_id: str) -> Job:
        """Cancel the user's own job while it is cancellable; the credits come back."""
        job = await self._store.get(job_id)
        if job is None or job.user_id != user_id:
            raise JobNotFound(job_id=job_id)
        try:
            cancelled = await self._store.transition(
                job_id, JobState.CANCELLED, expected=CANCELLABLE
            )
        except InvalidTransition as exc:
            raise JobNotCancellable(
                job_id=job_id, from_state=exc.from_state, to_state=JobState.CANCELLED
            ) from exc
        self._runner.abandon(job_id)
        await self._notifier.job_changed(cancelled)
        return cancelled
