"""The runner: carries one job from its current state to a final one.

Every step writes the job's next state to Redis *before* the side effect it enables (the
state machine in `jobs.states`), so whatever step a crash interrupts, the next start
resumes the job from the state it finds (`recover`). The steps, by state:

- queued: move to submitting, upload the job's photos (Telegram file ids kept in the
  record) to KIE, create the KIE task with their URLs, move to running with the task id.
  The uploads happen after the state is written, so a crash here is a `submitting` job
  that uploads again on resume: the reservation belongs to the job, so it is charged
  once whatever happens;
- submitting (found so only after a crash or an ambiguous create): KIE may or may not
  have the task, and KIE offers no way to ask. We go back to queued once and create a new
  task: the user is charged once whatever happens, because the reservation belongs to
  the job, not to the task; the worst case is one orphan task paid by the operator. A
  second ambiguity fails the job and releases the credits (docs/decisions.md);
- running: wait for the poller (or a callback) to see the task end, until the model's
  timeout, then expire;
- delivering: send the result to the chat, then done.

Final transitions settle the reservation inside the same Lua call (capture on done,
release otherwise), so money and state cannot disagree.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, Unpack

from aiogram.types import InlineKeyboardMarkup
from loguru import logger
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kiebot.catalog import Catalog, Kind, ModelEntry, ModelHealth
from kiebot.delivery import Delivery, DeliveryFailed, RecipientUnavailable, ResultUnavailable
from kiebot.errors import KiebotError
from kiebot.jobs.durations import DurationBook
from kiebot.jobs.errors import InvalidTransition
from kiebot.jobs.inputs import InputUploader
from kiebot.jobs.poller import Poller
from kiebot.jobs.record import Job, JobFields, JobStore
from kiebot.jobs.states import FINAL_STATES, JobState
from kiebot.kie import KieClient, KieCreateOutcomeUnknown, KieError, TaskRecord, TaskState
from kiebot.kie.errors import KieValidationError
from kiebot.kie.refusals import PROVIDER, Refusal, classify
from kiebot.ops.metrics import Metrics

MAX_SUBMIT_ATTEMPTS = 2
DELIVERY_ATTEMPTS = 4
DELIVERY_BACKOFF_S = 5.0
# Redis unreachable for longer than its client's own retries: the job waits and carries on
# from the state last written, as it would after a restart (see `Runner.run`).
STORE_RETRY_S = 1.0
STORE_RETRY_MAX_S = 30.0
_STORE_DOWN = (RedisConnectionError, RedisTimeoutError)  # BusyLoadingError included


class JobNotifier(Protocol):
    """Tells the user about their job; implemented by the bot layer (texts live there)."""

    async def job_changed(self, job: Job, *, progress: float | None = None) -> None: ...


@dataclass(slots=True)
class _Outcome:
    record: TaskRecord | None = None
    error: KieError | None = None


_TIMED_OUT = _Outcome()  # the model's timeout passed first


CallbackUrl = Callable[[str], str | None]
# The buttons under a delivered result (again, as file, upscale, animate): the bot's.
ResultMarkup = Callable[[Job], Awaitable[InlineKeyboardMarkup | None]]
# Kinds whose result keeps what a photo would lose (background removal: transparency).
_AS_DOCUMENT = frozenset({Kind.BACKGROUND_REMOVAL})


class Runner:
    def __init__(
        self,
        *,
        store: JobStore,
        kie: KieClient,
        catalog: Catalog,
        poller: Poller,
        durations: DurationBook,
        delivery: Delivery,
        notifier: JobNotifier,
        metrics: Metrics,
        callback_url: CallbackUrl,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        uploader: InputUploader | None = None,
        health: ModelHealth | None = None,
        result_markup: ResultMarkup | None = None,
    ) -> None:
        self._uploader = uploader
        self._health = health
        self._result_markup = result_markup
        self._store = store
        self._kie = kie
        self._catalog = catalog
        self._poller = poller
        self._durations = durations
        self._delivery = delivery
        self._notifier = notifier
        self._metrics = metrics
        self._callback_url = callback_url
        self._sleep = sleep
        self._waiting: dict[str, asyncio.Future[_Outcome]] = {}
        self._running: dict[str, Job] = {}  # jobs waiting on KIE, for progress updates
        self._handed: dict[str, Job] = {}  # just submitted and queued (`hand_over`)
        self._steps = {
            JobState.QUEUED: self._submit,
            JobState.SUBMITTING: self._resubmit,
            JobState.RUNNING: self._wait,
            JobState.DELIVERING: self._deliver,
        }

    async def run(self, job_id: str) -> None:
        """Advance the job until it is final; safe to call for a job in any state.

        When Redis stays unreachable past its client's retries, the job is not dropped
        (it would sit unfinished until the next restart, its result unsent): it is resumed
        from the state last written to Redis once Redis answers again, exactly as recovery
        would resume it. The cost is the same as a restart's: a create may be repeated
        (`submitting`), a result sent twice (`delivering`).
        """
        # One log context for the job's whole life: each costs a generator, a token and a
        # context copy, about 0.5 KB, for as long as the job runs.
        with logger.contextualize(job_id=job_id, model=self._handed_model(job_id)):
            delay = STORE_RETRY_S
            while True:
                try:
                    await self._run_from_store(job_id)
                    return
                except _STORE_DOWN as exc:
                    logger.warning("Redis unavailable ({!r}); job resumes in {:.0f} s", exc, delay)
                await self._sleep(delay)
                delay = min(delay * 2, STORE_RETRY_MAX_S)

    def _handed_model(self, job_id: str) -> str | None:
        handed = self._handed.get(job_id)
        return handed.model if handed else None

    def hand_over(self, job: Job) -> None:
        """The job the service has just submitted and queued, so that `run` need not read
        it back from Redis. Only a queued job is taken: should it have moved on before it
        runs (cancelled), the move out of queued is refused by the store as it would be
        after a read, since `_advance` passes the state it expects. An entry lives until
        the job runs or is abandoned, so there are never more than the queue holds."""
        if job.state is JobState.QUEUED:
            self._handed[job.job_id] = job

    async def _run_from_store(self, job_id: str) -> None:
        """Step the job until it is final. The job is held by this one frame only, and
        each step's result replaces it: with 2,000 jobs in flight, a caller keeping the
        queued record while the job runs cost a second record per job (scale's census)."""
        job = self._handed.pop(job_id, None)
        context: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
        if job is None:  # recovered, or resumed after Redis was away: read it
            job = await self._store.get(job_id)
            if job is None:
                return
            context = logger.contextualize(model=job.model)
        with context:
            while job is not None and job.state not in FINAL_STATES:
                step = self._steps.get(job.state)
                if step is None:  # created: submit() writes queued in the same script
                    return
                job = await step(job)

    # -- hooks for the poller, callbacks and cancellation ---------------------------------

    async def on_result(self, job_id: str, record: TaskRecord) -> None:
        self._resolve(job_id, _Outcome(record=record))

    async def on_progress(self, job_id: str, record: TaskRecord) -> None:
        """KIE reports a new state or progress: refresh the status (elapsed, percent).

        Riding on the poller's reads costs no extra request, and the status message
        coalesces edits, so a long video shows life without a timer spending Telegram's
        flood budget.
        """
        job = self._running.get(job_id)
        if job is not None:
            await self._notify_safely(job, progress=record.progress)

    async def on_error(self, job_id: str, error: KieError) -> None:
        self._resolve(job_id, _Outcome(error=error))

    def abandon(self, job_id: str) -> None:
        """The job was cancelled or expired elsewhere: stop waiting on it."""
        self._poller.forget(job_id)
        self._handed.pop(job_id, None)
        future = self._waiting.pop(job_id, None)
        if future is not None and not future.done():
            future.set_result(_Outcome())

    def _resolve(self, job_id: str, outcome: _Outcome) -> None:
        future = self._waiting.get(job_id)
        if future is not None and not future.done():
            future.set_result(outcome)

    # -- the steps ------------------------------------------------------------------------

    async def _submit(self, queued: Job) -> Job | None:
        job = await self._advance(queued, JobState.SUBMITTING, attempts=queued.attempts + 1)
        if job is None:
            return None
        await self._notify_safely(job)
        entry = self._catalog.get(job.model)
        try:
            task_input = await self._task_input(job, entry)
        except KiebotError as exc:
            await self._count_failure(job, exc)
            return await self._fail(job, exc.user_message_key, f"inputs: {exc!r}")
        try:
            created = await self._kie.create_task(
                entry.kie_model,
                task_input,
                callback_url=self._callback_url(job.job_id),
                family=entry.endpoint,
            )
        except KieCreateOutcomeUnknown:
            logger.warning("KIE may or may not have created the task")
            return await self._resubmit(job)
        except KieError as exc:
            await self._count_failure(job, exc)
            return await self._fail(job, _refusal_key(exc), str(exc))
        running = await self._advance(
            job, JobState.RUNNING, task_id=created.task_id, key_id=created.key_id
        )
        if running is not None:
            await self._notify_safely(running)
        return running

    async def _task_input(self, job: Job, entry: ModelEntry) -> dict[str, Any]:
        """The input KIE gets: the record's, plus the URLs of the photos uploaded now."""
        if not job.input_files:
            return job.input
        if self._uploader is None:
            raise RuntimeError("a job with photos needs an uploader")
        urls = await self._uploader.upload_all(job.input_files)
        return entry.with_images(job.input, urls)

    async def _count_failure(self, job: Job, error: BaseException) -> None:
        """A provider-side failure counts against the model (`catalog.health`); the
        user's file or Telegram losing it does not."""
        if not isinstance(error, KieError):
            return
        blame = error.blame
        if isinstance(error, KieValidationError):
            blame = classify(None, error.message).blame
        if self._health is not None and blame != "user":
            await self._health.record_failure(job.model)

    async def _resubmit(self, job: Job) -> Job | None:
        if job.attempts >= MAX_SUBMIT_ATTEMPTS:
            return await self._fail(job, "kie.outcome_unknown", "create outcome unknown twice")
        return await self._advance(job, JobState.QUEUED)

    async def _wait(self, job: Job) -> Job | None:
        entry = self._catalog.get(job.model)
        started = job.state_time(JobState.RUNNING) or time.time()
        remaining = entry.timeout_s - (time.time() - started)
        future: asyncio.Future[_Outcome] = asyncio.get_running_loop().create_future()
        self._waiting[job.job_id] = future
        self._running[job.job_id] = job
        typical = await self._durations.typical(job.model, entry.typical_s)
        self._poller.watch(
            job.job_id,
            job.task_id or "",
            job.key_id or "",
            job.model,
            started_at=started,
            typical_s=typical,
            family=entry.endpoint,
        )
        # A timer rather than `asyncio.wait_for`, which adds a coroutine, a future and a
        # callback to each of the thousands of jobs that wait at once.
        timeout = asyncio.get_running_loop().call_later(
            max(remaining, 0.0), self._resolve, job.job_id, _TIMED_OUT
        )
        try:
            outcome = await future
        finally:
            timeout.cancel()
            self._waiting.pop(job.job_id, None)
            self._running.pop(job.job_id, None)
            self._poller.forget(job.job_id)
        if outcome is _TIMED_OUT:
            return await self._end(job, JobState.EXPIRED, "job.expired", "model timeout")
        return await self._settle_outcome(job, outcome)

    async def _settle_outcome(self, job: Job, outcome: _Outcome) -> Job | None:
        if outcome.error is not None:
            return await self._fail(job, outcome.error.user_message_key, str(outcome.error))
        record = outcome.record
        if record is None:  # abandoned: cancelled or expired by someone else
            return await self._store.get(job.job_id)
        if not record.result_urls or record.state is not TaskState.SUCCESS:
            detail = f"{record.fail_code or ''} {record.fail_msg or ''}".strip()
            refusal: Refusal = classify(record.fail_code, record.fail_msg)
            if record.state is TaskState.SUCCESS:  # success without a result: KIE's fault
                refusal = PROVIDER
            if refusal.blame != "user" and self._health is not None:
                await self._health.record_failure(job.model)
            return await self._fail(job, refusal.user_message_key, detail)
        # The poller records the duration from KIE's own timestamps.
        return await self._advance(
            job,
            JobState.DELIVERING,
            result_urls=list(record.result_urls),
            result_ready_at=time.time(),
        )

    async def _deliver(self, job: Job) -> Job | None:
        kind: Literal["image", "video"] = "video" if job.job_class == "video" else "image"
        markup = await self._result_markup(job) if self._result_markup else None
        as_document = self._kind_of(job) in _AS_DOCUMENT
        for attempt in range(1, DELIVERY_ATTEMPTS + 1):
            try:
                delivered = await self._delivery.send_result(
                    job.chat_id,
                    job.result_urls[0],
                    kind=kind,
                    caption=None,
                    reply_markup=markup,
                    as_document=as_document,
                )
            except (RecipientUnavailable, ResultUnavailable) as exc:
                return await self._fail(job, exc.user_message_key, str(exc))
            except DeliveryFailed as exc:
                logger.warning("delivery attempt {} failed: {}", attempt, exc)
                await self._sleep(DELIVERY_BACKOFF_S * attempt)
                continue
            self._observe_delivery(job)
            return await self._end(
                job,
                JobState.DONE,
                None,
                None,
                file_id=delivered.file_id,
                result_kind=delivered.method,
            )
        return await self._fail(job, "delivery.failed", "Telegram refused the result")

    def _kind_of(self, job: Job) -> Kind | None:
        return self._catalog.get(job.model).kind if job.model in self._catalog else None

    # -- transitions ----------------------------------------------------------------------

    async def _advance(self, job: Job, to: JobState, **fields: Unpack[JobFields]) -> Job | None:
        """Write the next state; None when the job moved on elsewhere (e.g. cancelled)."""
        try:
            return await self._store.transition(job, to, expected={job.state}, **fields)
        except InvalidTransition:
            logger.info("job left {} elsewhere; stopping here", job.state)
            return None

    async def _fail(self, job: Job, error_key: str, detail: str) -> Job | None:
        return await self._end(job, JobState.FAILED, error_key, detail)

    async def _end(
        self,
        job: Job,
        to: JobState,
        error_key: str | None,
        detail: str | None,
        **fields: Unpack[JobFields],
    ) -> Job | None:
        if error_key is not None:
            fields["error"] = error_key
            fields["error_detail"] = (detail or "")[:500]
        ended = await self._advance(job, to, **fields)
        if ended is None:
            return None
        if to is not JobState.DONE:
            logger.info("job ended {}: {}", to.value, detail)
        await self._notify_safely(ended)
        return ended

    async def _notify_safely(self, job: Job, *, progress: float | None = None) -> None:
        """A status message that cannot be edited must not undo a settled job."""
        try:
            await self._notifier.job_changed(job, progress=progress)
        except KiebotError as exc:
            logger.info("could not tell the user about the job: {}", exc)

    def _observe_delivery(self, job: Job) -> None:
        ready = job.result_ready_at
        if ready is not None:
            self._metrics.delivery_delay.observe(max(time.time() - ready, 0.0))


def _refusal_key(error: KieError) -> str:
    """A create KIE refused as invalid (422) may be a content refusal in disguise (Veo's
    "rejected by Flow (... flagged ...)"): say which."""
    if isinstance(error, KieValidationError):
        refusal = classify(None, error.message)
        return error.user_message_key if refusal is PROVIDER else refusal.user_message_key
    return error.user_message_key
