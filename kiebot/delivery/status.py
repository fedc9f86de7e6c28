"""One status message per job, edited as the job moves, without flooding the chat.

A job's state can change many times a second (queue position ticks, progress, elapsed
time), while Telegram allows about one message a second per chat and edits count. So
`update()` only records the wanted text; one background flusher per message puts the
latest wanted text on screen at most once per `interval_s`, and never repeats what is
already shown. `show()` and `finish()` put their text on screen at once (the first
message, the final "done" / "failed"), dropping any pending update; after `finish()`,
late updates are ignored, so a progress tick cannot overwrite "done".

When the message is gone (deleted by the user, too old), the next text goes out as a new
message and `message_id` changes: the caller should store the new id.

The flusher is a background task owned by `Delivery` (cancelled on `Delivery.aclose()`);
an edit that fails there is logged and kept in `error`, never raised into the job.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from aiogram.types import InlineKeyboardMarkup
from loguru import logger

from kiebot.delivery.errors import DeliveryError, RecipientUnavailable

Content = tuple[str, InlineKeyboardMarkup | None]
# What is on screen, kept as text (the keyboard as its JSON): a keyboard is a handful of
# pydantic models, about 1.4 KB, and 2,000 jobs in flight each kept theirs for nothing.
Shown = tuple[str, str | None]
Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


class TextSender(Protocol):
    """What a status message needs from `Delivery`."""

    async def send_text(
        self, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
    ) -> int: ...

    async def edit_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> bool: ...


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


class StatusMessage:
    """A job's status message: latest text wins, at most one edit per `interval_s`."""

    def __init__(
        self,
        sender: TextSender,
        chat_id: int,
        message_id: int | None = None,
        *,
        interval_s: float = 3.0,
        spawn: Spawn = asyncio.create_task,
        clock: Callable[[], float] = _loop_time,
    ) -> None:
        self.chat_id = chat_id
        self._sender = sender
        self._message_id = message_id
        self._interval_s = interval_s
        self._spawn = spawn
        self._clock = clock
        self._shown: Shown | None = None
        # The content to show and how it will look on screen; None once it is there.
        self._wanted: tuple[Content, Shown] | None = None
        self._last_put = -math.inf
        self._lock = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None
        self._flusher_waiting = False  # sleeping before an edit: safe to cancel
        self._finished = False
        self.requests = 0  # sends and edits made, for tests and metrics
        self.error: DeliveryError | None = None

    @property
    def message_id(self) -> int | None:
        """The message on screen (None before the first `show`)."""
        return self._message_id

    async def show(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> int:
        """Put `text` on screen now (sending the message if there is none); its id."""
        self._wanted = _wanted(text, reply_markup)
        await self._stop_waiting_flusher()
        await self._apply()
        if self._message_id is None:  # only when the very first send failed
            raise RuntimeError("status message was not sent")
        return self._message_id

    def update(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        """Ask for `text` to be shown; coalesced with other updates, never awaited."""
        if self._finished or isinstance(self.error, RecipientUnavailable):
            return
        self._wanted = _wanted(text, reply_markup)
        if self._flusher is None or self._flusher.done():
            self._flusher = self._spawn(self._flush())

    async def finish(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> int:
        """The final text, shown at once; later `update()` calls are ignored."""
        self._finished = True
        message_id = await self.show(text, reply_markup)
        await self._stop_waiting_flusher()
        return message_id

    async def drain(self) -> None:
        """Wait until the pending update, if any, is on screen (or has failed)."""
        flusher = self._flusher
        if flusher is not None:
            await asyncio.shield(flusher)

    async def aclose(self) -> None:
        """Drop any pending update without showing it (the job is going away)."""
        self._finished = True
        await self._stop_waiting_flusher()

    async def _flush(self) -> None:
        """Show the latest wanted text, no sooner than `interval_s` after the last put."""
        try:
            while not self._up_to_date():
                delay = self._last_put + self._interval_s - self._clock()
                if delay > 0:
                    self._flusher_waiting = True
                    try:
                        await asyncio.sleep(delay)
                    finally:
                        self._flusher_waiting = False
                await self._apply()
        except DeliveryError as exc:
            self.error = exc
            logger.warning("chat {}: status edit failed: {}", self.chat_id, exc)

    async def _stop_waiting_flusher(self) -> None:
        """Cancel the flusher if it is only sleeping; one mid-request is left to finish
        (cancelling it could leave unknown whether Telegram applied the edit)."""
        flusher = self._flusher
        if flusher is None or flusher.done() or not self._flusher_waiting:
            return
        flusher.cancel()
        try:
            await flusher
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # we are being cancelled ourselves, not just the flusher

    def _up_to_date(self) -> bool:
        return self._wanted is None or self._wanted[1] == self._shown

    async def _apply(self) -> None:
        async with self._lock:
            wanted = self._wanted
            if wanted is None:
                return
            content, shown = wanted
            if shown != self._shown:
                await self._put(*content)
                self._shown = shown
                self._last_put = self._clock()
            if self._wanted is wanted:  # no newer text came during the request
                self._wanted = None

    async def _put(self, text: str, markup: InlineKeyboardMarkup | None) -> None:
        self.requests += 1
        if self._message_id is not None:
            edited = await self._sender.edit_text(
                self.chat_id, self._message_id, text, reply_markup=markup
            )
            if edited:
                return
            logger.info(
                "chat {}: status message {} is gone, sending a new one",
                self.chat_id,
                self._message_id,
            )
            self.requests += 1
        self._message_id = await self._sender.send_text(self.chat_id, text, reply_markup=markup)


def _wanted(text: str, markup: InlineKeyboardMarkup | None) -> tuple[Content, Shown]:
    """The content, and its look on screen worked out once (compared on every flush)."""
    shown = markup.model_dump_json(exclude_none=True) if markup is not None else None
    return (text, markup), (text, shown)
