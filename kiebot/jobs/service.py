"""What the bot and the admin side ask of jobs: submit, cancel, look up.

One function per user action, so handlers stay thin: they parse the update, call one of
these, and render what comes back or the typed error that comes out.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiebot.billing import Billing
from kiebot.catalog import Catalog, Kind
from kiebot.jobs.errors import AlreadySubmitted, InvalidTransition, JobNotFound, QueueFull
from kiebot.jobs.record import Job, JobStore, new_job_id
from kiebot.jobs.runner import JobNotifier, Runner
from kiebot.jobs.scheduler import Scheduler
from kiebot.jobs.states import JobState

CANCELLABLE = frozenset({JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING})
# What an operator may submit again from the admin console (`JobService.retry`).
RETRYABLE = frozenset({JobState.FAILED, JobState.EXPIRED})
_RETRIES = uuid.UUID("0b7e5c1d-2f4a-4e8b-9c61-5a3d7e9f1b24")  # fixed: retry ids stay stable


@dataclass(frozen=True, slots=True)
class JobLimits:
    """Per-user limits checked atomically at submit (defaults from the issue)."""

    max_active_per_user: int = 3
    rate_limit: int = 5
    rate_window_s: float = 60.0
    max_queue: int = 500


@dataclass(frozen=True, slots=True)
class JobRequest:
    """One generation a user asked for, before it is priced and reserved.

    `model_id` names the catalog entry and `options` its user options (checked here).
    Photos come two ways: `image_urls` KIE can fetch already (an earlier result's URL at
    KIE), and `input_files`, Telegram file ids the runner downloads and uploads to KIE
    when it submits the job (a Telegram URL holds the bot token and is never passed on).
    """

    user_id: int
    chat_id: int
    model_id: str
    prompt: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    image_urls: tuple[str, ...] = ()
    input_files: tuple[str, ...] = ()


class JobNotCancellable(InvalidTransition):
    """The result is already on its way (delivering) or the job has ended."""

    user_message_key = "job.not_cancellable"


class JobNotRetryable(InvalidTransition):
    """Only a failed or expired job may be submitted again (an operator's action: the
    admin console shows the error's text, no user ever sees it)."""


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
        """A text-to-image job with the default model unless `model_id` says otherwise."""
        model = model_id or self._catalog.default_model(Kind.TEXT_TO_IMAGE).id
        request = JobRequest(user_id, chat_id, model, prompt, options or {})
        return await self.submit(request, job_id=job_id)

    async def submit(self, request: JobRequest, *, job_id: str | None = None) -> Job:
        """Reserve the price and queue the job; typed errors say why not.

        The input is built and checked (prompt length, options, how many photos) before
        any credit moves; the queue's room is checked before the reservation so that a
        full queue costs the user nothing. Photos still at Telegram are counted here and
        uploaded by the runner (`Job.input_files`). A `job_id` that exists already (a
        message or button Telegram delivered again after a crash) returns that job and
        does nothing else: recovery is already carrying it on. The user's account is
        opened, with the starting grant, by the submit script itself: a user's first
        update can be a prompt, and this way a submit is one round trip.
        """
        entry = self._catalog.get(request.model_id)
        images = request.image_urls
        entry.check_images(len(images) + len(request.input_files))
        pending = ("https://kie.invalid/pending",) * len(request.input_files)
        task_input = entry.build_input(request.prompt, request.options, images + pending)
        if request.input_files:  # the runner adds the uploaded URLs after these
            task_input = entry.without_images(task_input)
            if images and entry.image_field:
                task_input[entry.image_field] = list(images)
        job_class = entry.job_class.value
        if not self._scheduler.has_room(job_class):
            existing = await self._store.get(job_id) if job_id is not None else None
            if existing is not None:
                return existing
            raise QueueFull(job_class=job_class)
        try:
            job = await self._store.submit(
                job_id or new_job_id(),
                request.user_id,
                request.chat_id,
                entry.id,
                job_class,  # type: ignore[arg-type]
                task_input,
                entry.price_for(request.options),
                max_active_per_user=self._limits.max_active_per_user,
                max_queue=self._limits.max_queue,
                rate_limit=self._limits.rate_limit,
                rate_window_s=self._limits.rate_window_s,
                input_files=request.input_files,
                model_budget=entry.daily_budget,
                opening=self._billing.opening(request.user_id),
                duplicate_raises=True,
            )
        except AlreadySubmitted as duplicate:
            return duplicate.job
        if not self._scheduler.offer(job_class, job.job_id):
            # Filled up between the check and now: end it, which releases the reservation.
            await self._store.transition(job, JobState.FAILED, error="job.queue_full")
            raise QueueFull(job_class=job_class)
        self._runner.hand_over(job)
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
            cancelled = await self._store.transition(job, JobState.CANCELLED, expected=CANCELLABLE)
        except InvalidTransition as exc:
            raise JobNotCancellable(
                job_id=job_id, from_state=exc.from_state, to_state=JobState.CANCELLED
            ) from exc
        self._runner.abandon(job_id)
        await self._notifier.job_changed(cancelled)
        return cancelled

    # -- the operator's paths (admin console) ----------------------------------------------

    async def cancel_by_operator(self, job_id: str) -> Job:
        """Cancel any user's job while it is cancellable; the user gets the credits back
        and sees the cancellation on the job's status message."""
        job = await self._store.get(job_id)
        if job is None:
            raise JobNotFound(job_id=job_id)
        return await self.cancel(user_id=job.user_id, job_id=job_id)

    async def retry(self, job_id: str, *, op_key: str) -> Job:
        """Submit a failed or expired job again, as a new job of the same user, model,
        input and price.

        The user pays for the new job exactly as for any job (reserved now, captured only
        if delivered, released if it fails again): the old job's credits were already
        released, so nobody pays twice. An operator who wants it free grants the price
        first. The user's limits apply as at any submit. The new job's id derives from
        the old one and `op_key` (one per form), so a submitted-twice form makes one job.
        """
        old = await self._store.get(job_id)
        if old is None:
            raise JobNotFound(job_id=job_id)
        if old.state not in RETRYABLE:
            raise JobNotRetryable(job_id=job_id, from_state=old.state, to_state=JobState.QUEUED)
        if not self._scheduler.has_room(old.job_class):
            raise QueueFull(job_class=old.job_class)
        try:
            job = await self._store.submit(
                uuid.uuid5(_RETRIES, f"{job_id}:{op_key}").hex,
                old.user_id,
                old.chat_id,
                old.model,
                old.job_class,
                old.input,
                old.price,
                max_active_per_user=self._limits.max_active_per_user,
                max_queue=self._limits.max_queue,
                rate_limit=self._limits.rate_limit,
                rate_window_s=self._limits.rate_window_s,
                duplicate_raises=True,
            )
        except AlreadySubmitted as duplicate:
            return duplicate.job  # the form sent twice: the first one's job, not queued again
        if not self._scheduler.offer(job.job_class, job.job_id):
            await self._store.transition(job, JobState.FAILED, error="job.queue_full")
            raise QueueFull(job_class=job.job_class)
        self._runner.hand_over(job)
        await self._notifier.job_changed(job)
        return job
