"""Job status messages: the bot layer's side of `jobs.runner.JobNotifier`.

One status message per job, edited through queued -> generating -> done (or failed,
cancelled, expired), with a cancel button while the job can be cancelled. Queued, it
says the position and an estimated wait (`jobs.estimate`); generating, the elapsed time
and KIE's progress when KIE reports one. A job that failed on the provider's side offers
the model's fallback at its price (one button), instead of a dead end. The job's
first notification sends the message and stores its id in the job record, so after a
restart the same message keeps being edited. Edits are coalesced by the delivery layer's
`StatusMessage` (latest text wins, at most one edit every few seconds), which keeps a
crowd of jobs under Telegram's flood limits.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from kiebot.billing import Billing
from kiebot.bot.texts import text
from kiebot.catalog import Catalog, ModelEntry, ModelHealth, UnknownModel
from kiebot.delivery import Delivery, StatusMessage
from kiebot.jobs import Job, JobState, JobStore

CANCELLABLE = frozenset({JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING})
_STATE_TEXT = {
    JobState.QUEUED: "status.queued",
    JobState.SUBMITTING: "status.generating",
    JobState.RUNNING: "status.generating",
    JobState.DELIVERING: "status.delivering",
    JobState.DONE: "status.done",
    JobState.FAILED: "status.failed",
    JobState.EXPIRED: "status.failed",
    JobState.CANCELLED: "status.cancelled",
}


# Failures that are the provider's, not the user's: another model may well succeed.
PROVIDER_FAILURES = frozenset(
    {
        "kie.generation_failed",
        "kie.unavailable",
        "kie.busy",
        "kie.maintenance",
        "kie.task_lost",
        "kie.outcome_unknown",
        "job.expired",
    }
)
Fallback = Callable[[Job], Awaitable[tuple[ModelEntry, int] | None]]
Estimate = Callable[[Job], float | None]


class RetryOn(CallbackData, prefix="rf"):
    """Try a failed job again on its model's fallback."""

    j: str


def fallback_finder(catalog: Catalog, health: ModelHealth) -> Fallback:
    """The model (and its price) a failed job could be tried on instead, if any."""

    async def find(job: Job) -> tuple[ModelEntry, int] | None:
        if job.model not in catalog:
            return None
        fallback = await health.usable_fallback(catalog.get(job.model))
        if fallback is None:
            return None
        return fallback, fallback.price_for(fallback.applicable(job.input))

    return find


def wait_text(seconds: float, language: str) -> str:
    """Rounded the way a person says it: seconds under a minute, else minutes."""
    if seconds < 60:
        return text("wait.seconds", language, n=max(5, math.ceil(seconds / 5) * 5))
    return text("wait.minutes", language, n=math.ceil(seconds / 60))


def _elapsed(job: Job) -> int:
    """Seconds since the job left the queue (0 before that)."""
    started = job.state_time(JobState.SUBMITTING)
    return max(0, round(time.time() - started)) if started else 0


class CancelJob(CallbackData, prefix="cancel"):
    job_id: str


class StatusNotifier:
    def __init__(
        self,
        *,
        delivery: Delivery,
        billing: Billing,
        store: JobStore,
        catalog: Catalog,
        position: Callable[[Job], int | None],
        estimate: Estimate | None = None,
        fallback: Fallback | None = None,
    ) -> None:
        self._estimate = estimate
        self._fallback = fallback
        self._delivery = delivery
        self._billing = billing
        self._store = store
        self._catalog = catalog
        self._position = position
        self._messages: dict[str, StatusMessage] = {}
        # The job's first message while it is being sent: a change that comes meanwhile
        # waits for it, then edits that message instead of sending a second one. Later
        # changes need no exclusion (`StatusMessage` orders them), so there is no lock
        # per job: a lock that ever had a waiter keeps a 0.7 KB deque, and at 2,000 jobs
        # in flight most had one (scale's census).
        self._first_sends: dict[str, asyncio.Future[None]] = {}

    async def job_changed(self, job: Job, *, progress: float | None = None) -> None:
        language = await self._billing.language(job.user_id)
        body = self.render(job, language, progress=progress)
        markup = self._cancel_button(job, language)
        while (sending := self._first_sends.get(job.job_id)) is not None:
            await asyncio.shield(sending)  # again if that send failed and another began
        status = self._messages.get(job.job_id)
        if status is None:
            status = self._delivery.status(job.chat_id, job.status_message_id)
            self._messages[job.job_id] = status
        if status.message_id is not None and not job.is_final:
            status.update(body, markup)  # the common case: coalesced, never awaited
            return
        if status.message_id is not None:
            await self._finish(job, status, body, await self._final_markup(job, language))
            return
        sending = self._first_sends[job.job_id] = asyncio.get_running_loop().create_future()
        try:
            if job.is_final:
                await self._finish(job, status, body, await self._final_markup(job, language))
            else:
                message_id = await status.show(body, markup)
                await self._store.set_fields(job.job_id, status_message_id=message_id)
        finally:
            del self._first_sends[job.job_id]
            sending.set_result(None)

    async def _final_markup(self, job: Job, language: str) -> InlineKeyboardMarkup | None:
        """A failed job's way forward: its model's fallback, when one can take it."""
        if self._fallback is None or job.state not in (JobState.FAILED, JobState.EXPIRED):
            return None
        if (job.error or "job.expired") not in PROVIDER_FAILURES:
            return None
        found = await self._fallback(job)
        if found is None:
            return None
        model, price = found
        label = text("flow.retry_button", language, model=model.display_name(language), price=price)
        button = InlineKeyboardButton(text=label, callback_data=RetryOn(j=job.job_id).pack())
        return InlineKeyboardMarkup(inline_keyboard=[[button]])

    async def _finish(
        self,
        job: Job,
        status: StatusMessage,
        body: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        try:
            message_id = await status.finish(body, markup)
        finally:
            self._messages.pop(job.job_id, None)
        if job.status_message_id is None:
            await self._store.set_fields(job.job_id, status_message_id=message_id)

    def render(self, job: Job, language: str, *, progress: float | None = None) -> str:
        values: dict[str, object] = {
            "model": escape(self._model_name(job, language)),
            "price": job.price,
            "position": self._position(job) or 1,
            "elapsed": _elapsed(job),
            "progress": f" {progress:.0f}%" if progress else "",
        }
        if job.state in (JobState.FAILED, JobState.EXPIRED):
            reason_key = job.error or ("job.expired" if job.state is JobState.EXPIRED else "")
            values["reason"] = text(reason_key, language)
        key = _STATE_TEXT[job.state]
        wait = self._estimate(job) if self._estimate and job.state is JobState.QUEUED else None
        if wait is not None:
            key, values["wait"] = "status.queued_wait", wait_text(wait, language)
        return text(key, language, **values)

    def _model_name(self, job: Job, language: str) -> str:
        try:
            return self._catalog.get(job.model).display_name(language)
        except UnknownModel:
            return job.model

    @staticmethod
    def _cancel_button(job: Job, language: str) -> InlineKeyboardMarkup | None:
        if job.state not in CANCELLABLE:
            return None
        button = InlineKeyboardButton(
            text=text("button.cancel", language), callback_data=CancelJob(job_id=job.job_id).pack()
        )
        return InlineKeyboardMarkup(inline_keyboard=[[button]])
