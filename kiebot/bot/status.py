"""Job status messages: the bot layer's side of `jobs.runner.JobNotifier`.

One status message per job, edited through queued -> generating -> done (or failed,
cancelled, expired), with a cancel button while the job can be cancelled. The job's
first notification sends the message and stores its id in the job record, so after a
restart the same message keeps being edited. Edits are coalesced by the delivery layer's
`StatusMessage` (latest text wins, at most one edit every few seconds), which keeps a
crowd of jobs under Telegram's flood limits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from kiebot.billing import Billing
from kiebot.bot.texts import text
from kiebot.catalog import Catalog, UnknownModel
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
    ) -> None:
        self._delivery = delivery
        self._billing = billing
        self._store = store
        self._catalog = catalog
        self._position = position
        self._messages: dict[str, StatusMessage] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def job_changed(self, job: Job, *, progress: float | None = None) -> None:
        language = await self._billing.language(job.user_id)
        body = self.render(job, language, progress=progress)
        markup = self._cancel_button(job, language)
        lock = self._locks.setdefault(job.job_id, asyncio.Lock())
        async with lock:
            status = self._messages.get(job.job_id)
            if status is None:
                status = self._delivery.status(job.chat_id, job.status_message_id)
                self._messages[job.job_id] = status
            if job.is_final:
                await self._finish(job, status, body)
            elif status.message_id is None:
                message_id = await status.show(body, markup)
                await self._store.set_fields(job.job_id, status_message_id=message_id)
            else:
                status.update(body, markup)

    async def _finish(self, job: Job, status: StatusMessage, body: str) -> None:
        try:
            message_id = await status.finish(body, None)
        finally:
            self._messages.pop(job.job_id, None)
            self._locks.pop(job.job_id, None)
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
        return text(_STATE_TEXT[job.state], language, **values)

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
