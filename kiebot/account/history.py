"""A user's past generations, a page at a time, and their results sent again.

The history is the user's list of job ids (`JobStore.user_history`, newest first, capped
at `HISTORY_CAP`). A result comes back from the Telegram file id its job kept when it
was delivered: Telegram already has the file, so nothing is downloaded and KIE is not
asked again. Only the owner's jobs are shown or sent: a job id from button data is
checked against the user who pressed, so forged data finds nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from kiebot.account.errors import HistoryEntryNotFound, ResultFileGone, ResultNotKept
from kiebot.delivery import Delivery
from kiebot.delivery.errors import DeliveryFailed
from kiebot.delivery.service import Delivered
from kiebot.jobs import Job, JobState, JobStore

PAGE_SIZE = 5
_RESENDABLE: dict[str, Literal["photo", "video", "document"]] = {
    "photo": "photo",
    "video": "video",
    "document": "document",
}


def can_resend(job: Job) -> bool:
    """Whether the job kept a Telegram file that `History.resend` can send again."""
    return job.state is JobState.DONE and job.file_id is not None and job.result_kind in _RESENDABLE


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of the history. `index` counts from 0; `moved` says the asked page did
    not exist (the history shrank, or the button data was made up) and this is the
    nearest one. `pages` is 0 for an empty history."""

    jobs: list[Job]
    index: int
    pages: int
    first_number: int
    moved: bool = False


class History:
    def __init__(self, store: JobStore, delivery: Delivery, *, page_size: int = PAGE_SIZE) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._store = store
        self._delivery = delivery
        self._page_size = page_size

    async def page(self, user_id: int, index: int = 0) -> HistoryPage:
        total = await self._store.user_history_size(user_id)
        pages = math.ceil(total / self._page_size)
        if pages == 0:
            return HistoryPage([], 0, 0, 1, moved=index != 0)
        nearest = min(max(index, 0), pages - 1)
        offset = nearest * self._page_size
        jobs = await self._store.user_history(user_id, limit=self._page_size, offset=offset)
        return HistoryPage(jobs, nearest, pages, offset + 1, moved=nearest != index)

    async def resend(self, user_id: int, chat_id: int, job_id: str) -> Delivered:
        """Send the job's result again from its kept file id; typed errors say why not."""
        job = await self._store.get(job_id)
        if job is None or job.user_id != user_id:
            raise HistoryEntryNotFound(job_id=job_id)
        if not can_resend(job) or job.file_id is None or job.result_kind is None:
            raise ResultNotKept(job_id=job_id)
        try:
            return await self._delivery.resend(
                chat_id, job.file_id, method=_RESENDABLE[job.result_kind]
            )
        except DeliveryFailed as exc:
            if exc.retryable:
                raise
            raise ResultFileGone(job_id=job_id) from exc
