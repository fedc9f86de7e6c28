"""`Delivery`: everything kiebot sends to Telegram for a job.

Every request goes through the `Pacer` (flood limits, retry_after) and through one retry
loop for transient failures (network errors, Telegram 5xx, a broken download), bounded by
`attempts` with doubling backoff. Refusals are then read once, here, and turned into the
typed errors of `kiebot.delivery.errors` or into a fallback:

- a result goes as a photo (image ≤ `max_photo_bytes`) or a video; when Telegram refuses
  that kind or size, as a document (≤ `max_upload_bytes`); when it refuses the document
  too, or the file is larger than any upload, as a text message with the result link;
- an edit that changes nothing is success; an edit of a message that is gone is `False`,
  so the caller can post a new status message;
- a chat that cannot receive (blocked, deactivated, not found) is `RecipientUnavailable`
  at once, with no retry.

A network error after Telegram has already accepted a message makes the retry send it
twice; that is the one duplicate this layer can cause, and it is rare and harmless next
to losing a paid result. The result link is a KIE CDN URL; a Telegram file URL (it holds
the bot token) is refused before anything is sent or logged.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import aiohttp
from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, InputFile, LabeledPrice, Message, MessageId
from loguru import logger

from kiebot.delivery import refusals
from kiebot.delivery.errors import DeliveryFailed, RecipientUnavailable, ResultUnavailable
from kiebot.delivery.methods import (
    EditText,
    SendResultDocument,
    SendResultPhoto,
    SendResultVideo,
    SendText,
    SentMedia,
)
from kiebot.delivery.pacing import Pacer
from kiebot.delivery.status import StatusMessage
from kiebot.delivery.stream import (
    ResultFile,
    ResultSource,
    StreamBroken,
    TooLarge,
    ensure_shareable,
    filename_for,
    loggable,
)

T = TypeVar("T")
MB = 1024 * 1024
ResultKind = Literal["image", "video"]
UploadMethod = Literal["photo", "video", "document"]
DeliveryMethod = Literal["photo", "video", "document", "link"]
Sleep = Callable[[float], Awaitable[None]]

_DEFAULT_NAMES: dict[ResultKind, str] = {"image": "result.png", "video": "result.mp4"}
# Worth another try after a pause; TelegramEntityTooLarge is a TelegramNetworkError
# in aiogram but is a refusal of the size, never transient.
_TRANSIENT = (TelegramNetworkError, TelegramServerError, StreamBroken)


@dataclass(frozen=True, slots=True)
class Delivered:
    """A result in the chat: its message, how it went, and the file id for a re-send.

    `file_id` is None for a link message; `size` is the bytes uploaded (or Telegram's
    file size for a re-send, or the declared size for a link), None when unknown.
    """

    message_id: int
    method: DeliveryMethod
    file_id: str | None
    size: int | None


def _media_request(
    method: UploadMethod,
    chat_id: int,
    media: InputFile | str,
    caption: str | None,
    markup: InlineKeyboardMarkup | None,
) -> TelegramMethod[SentMedia]:
    """The Bot API call that sends `media` (an upload or a file id) as `method`."""
    if method == "photo":
        return SendResultPhoto(chat_id=chat_id, photo=media, caption=caption, reply_markup=markup)
    if method == "video":
        return SendResultVideo(chat_id=chat_id, video=media, caption=caption, reply_markup=markup)
    return SendResultDocument(chat_id=chat_id, document=media, caption=caption, reply_markup=markup)


def _sent_file(message: SentMedia, method: UploadMethod) -> tuple[UploadMethod, str, int | None]:
    """What Telegram stored: the kind it kept, its file id, its size.

    Telegram may keep a file as another kind than asked (a video it cannot parse becomes
    a document); the re-send must use the kind it kept, or it is "type of file mismatch".
    """
    if message.photo:
        largest = message.photo[-1]
        return "photo", largest.file_id, largest.file_size
    if message.video:
        return "video", message.video.file_id, message.video.file_size
    if message.document:
        return "document", message.document.file_id, message.document.file_size
    raise DeliveryFailed(f"sent as {method} but Telegram's reply holds no file", retryable=False)


def link_text(caption: str | None, url: str) -> str:
    """The last fallback: the caption (HTML, as every caption) and the escaped link."""
    link = html.escape(url, quote=False)
    return f"{caption}\n\n{link}" if caption else link


class Delivery:
    """Sends results, texts and status edits to Telegram, paced and with fallbacks.

    `bot` and `media` are owned by the caller (one session per remote: the Bot has its
    own, `media` downloads results). `aclose()` stops background status edits.
    """

    def __init__(
        self,
        bot: Bot,
        media: aiohttp.ClientSession,
        pacer: Pacer,
        *,
        max_photo_bytes: int = 10 * MB,
        max_upload_bytes: int = 50 * MB,
        attempts: int = 3,
        backoff_s: float = 1.0,
        status_interval_s: float = 3.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {attempts!r}")
        self._bot = bot
        self._media = media
        self._pacer = pacer
        self._max_photo = max_photo_bytes
        self._max_upload = max_upload_bytes
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._status_interval_s = status_interval_s
        self._sleep = sleep
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ results

    async def send_result(
        self,
        chat_id: int,
        url: str,
        *,
        kind: ResultKind,
        caption: str | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        as_document: bool = False,
    ) -> Delivered:
        """Stream the result at `url` into the chat: photo or video → document → link.

        `as_document` skips the photo / video try: the file arrives as it is, in full
        quality (a photo is recompressed by Telegram and loses transparency).

        Raises `ResultUnavailable` when the URL is gone or keeps failing,
        `RecipientUnavailable` when the chat cannot receive, `DeliveryFailed` when even
        the link message fails.
        """
        ensure_shareable(url)
        source = ResultSource(self._media, url, filename_for(url, _DEFAULT_NAMES[kind]))
        try:
            await self._retry(source.probe)
            plan = self._plan(kind, source.size)
            for method in ("document",) if as_document and plan else plan:
                if source.size is not None and source.size > self._limit(method):
                    continue  # an earlier try found the file bigger than it declared
                delivered = await self._try_upload(chat_id, method, source, caption, reply_markup)
                if delivered is not None:
                    return delivered
        finally:
            source.close()
        return await self._send_link(chat_id, url, caption, reply_markup, source.size)

    async def resend(
        self,
        chat_id: int,
        file_id: str,
        *,
        method: UploadMethod,
        caption: str | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> Delivered:
        """Send a result Telegram already has, by `file_id`: no download.

        A file id Telegram no longer knows is `DeliveryFailed` (not retryable); the caller
        may then `send_result` from the URL if it is still live.
        """
        request = _media_request(method, chat_id, file_id, caption, reply_markup)
        try:
            message = await self._request(chat_id, lambda: self._bot(request), bulk=True)
        except TelegramBadRequest as exc:
            raise DeliveryFailed(f"chat {chat_id}: resend as {method}: {exc.message}") from exc
        kept, kept_id, size = _sent_file(message, method)
        return Delivered(message.message_id, kept, kept_id, size)

    def _limit(self, method: UploadMethod) -> int:
        return self._max_photo if method == "photo" else self._max_upload

    def _plan(self, kind: ResultKind, size: int | None) -> tuple[UploadMethod, ...]:
        """The upload methods to try in order; none when the file is too big for any."""
        if size is not None and size > self._max_upload:
            return ()
        if kind == "video":
            return ("video", "document")
        if size is not None and size > self._max_photo:
            return ("document",)
        return ("photo", "document")

    async def _try_upload(
        self,
        chat_id: int,
        method: UploadMethod,
        source: ResultSource,
        caption: str | None,
        markup: InlineKeyboardMarkup | None,
    ) -> Delivered | None:
        """One upload method, with its retries; None when Telegram refuses the file."""
        limit = self._limit(method)
        sent: list[int] = []

        async def attempt() -> SentMedia:
            file = ResultFile(await source.take(), filename=source.filename, limit=limit)
            try:
                return await self._bot(_media_request(method, chat_id, file, caption, markup))
            except TelegramEntityTooLarge:
                raise
            except TelegramNetworkError as exc:
                failure = _stream_failure(file)
                if failure is None:
                    raise
                raise failure from exc
            finally:
                file.release()
                sent.append(file.sent)

        try:
            message = await self._request(chat_id, attempt, bulk=True)
        except (TelegramBadRequest, TelegramEntityTooLarge, TooLarge) as exc:
            if isinstance(exc, TooLarge):
                source.size = max(source.size or 0, limit + 1)  # at least this big, now we know
            reason = exc.message if isinstance(exc, TelegramBadRequest) else str(exc)
            logger.info(
                "chat {}: {} refused as {} ({})", chat_id, loggable(source.url), method, reason
            )
            return None
        kept, file_id, size = _sent_file(message, method)
        return Delivered(message.message_id, kept, file_id, sent[-1] if sent else size)

    async def _send_link(
        self,
        chat_id: int,
        url: str,
        caption: str | None,
        markup: InlineKeyboardMarkup | None,
        size: int | None,
    ) -> Delivered:
        logger.info("chat {}: sending {} as a link", chat_id, loggable(url))
        text = link_text(caption, url)
        message_id = await self._send_message(chat_id, text, markup, ParseMode.HTML, bulk=True)
        return Delivered(message_id, "link", None, size)

    # -------------------------------------------------------------------- texts

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        bulk: bool = False,
    ) -> int:
        """Send a text message (in the bot's default parse mode); returns its message id.

        `bulk` puts it in the job traffic's share of the rate (a broadcast), leaving the
        rest for direct replies.
        """
        return await self._send_message(chat_id, text, reply_markup, None, bulk=bulk)

    async def send_invoice(
        self,
        chat_id: int,
        *,
        title: str,
        description: str,
        payload: str,
        currency: str,
        prices: Sequence[LabeledPrice],
        provider_token: str = "",
    ) -> int:
        """Send an invoice message (sendInvoice) with Telegram's own Pay button; returns
        its message id. Paced like a direct reply: the user just asked for it.

        A refusal of the terms (title, payload, price) is `DeliveryFailed`: it is the
        caller's mistake and a retry would be refused the same way.
        """

        async def send() -> Message:
            return await self._bot.send_invoice(
                chat_id=chat_id,
                title=title,
                description=description,
                payload=payload,
                provider_token=provider_token,
                currency=currency,
                prices=list(prices),
            )

        try:
            message = await self._request(chat_id, send)
        except TelegramBadRequest as exc:
            raise DeliveryFailed(f"chat {chat_id}: invoice refused: {exc.message}") from exc
        return message.message_id

    async def edit_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> bool:
        """Edit a text message. True: it shows `text` (also when it already did).

        False: the message is gone (deleted, too old, not the bot's), so the caller should
        send a new one. Without `reply_markup` the message loses its keyboard.
        """

        async def edit() -> MessageId | bool:
            method = EditText(
                chat_id=chat_id, message_id=message_id, text=text, reply_markup=reply_markup
            )
            return await self._bot(method)

        try:
            await self._request(chat_id, edit, bulk=True)
        except TelegramBadRequest as exc:
            if refusals.says(exc, refusals.NOT_MODIFIED):
                return True
            if refusals.says(exc, refusals.MESSAGE_GONE):
                return False
            raise DeliveryFailed(f"chat {chat_id}: edit refused: {exc.message}") from exc
        return True

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message; False when it was already gone. Not paced as a message."""

        async def delete() -> bool:
            return await self._bot.delete_message(chat_id=chat_id, message_id=message_id)

        try:
            return await self._request(chat_id, delete, paced=False)
        except TelegramBadRequest as exc:
            if refusals.says(exc, refusals.MESSAGE_GONE):
                return False
            raise DeliveryFailed(f"chat {chat_id}: delete refused: {exc.message}") from exc

    def status(self, chat_id: int, message_id: int | None = None) -> StatusMessage:
        """A job's status message in `chat_id` (an existing one when `message_id` is given,
        e.g. after a restart): coalesced edits, at most one per `status_interval_s`."""
        return StatusMessage(
            self, chat_id, message_id, interval_s=self._status_interval_s, spawn=self._spawn
        )

    async def aclose(self) -> None:
        """Cancel pending coalesced status edits and wait for them to end."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _send_message(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        parse_mode: ParseMode | None,
        *,
        bulk: bool = False,
    ) -> int:
        async def send() -> MessageId:
            method = SendText(chat_id=chat_id, text=text, reply_markup=markup)
            if parse_mode is not None:
                method.parse_mode = parse_mode
            return await self._bot(method)

        try:
            message = await self._request(chat_id, send, bulk=bulk)
        except TelegramBadRequest as exc:
            raise DeliveryFailed(f"chat {chat_id}: message refused: {exc.message}") from exc
        return message.message_id

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ----------------------------------------------------------------- requests

    async def _request(
        self,
        chat_id: int,
        call: Callable[[], Awaitable[T]],
        *,
        paced: bool = True,
        bulk: bool = False,
    ) -> T:
        """One Bot API call: paced, 429s obeyed, transient failures retried, the
        refusals every call shares turned into typed errors. Other refusals propagate
        as aiogram's exceptions for the caller to read."""
        try:
            return await self._retry(
                lambda: self._pacer.call(chat_id, call, paced=paced, bulk=bulk)
            )
        except (TelegramForbiddenError, TelegramMigrateToChat) as exc:
            raise RecipientUnavailable(f"chat {chat_id}: {exc.message}") from exc
        except TelegramBadRequest as exc:
            if refusals.says(exc, refusals.RECIPIENT_GONE):
                raise RecipientUnavailable(f"chat {chat_id}: {exc.message}") from exc
            raise
        except TelegramUnauthorizedError as exc:
            raise DeliveryFailed("Telegram refused the bot token", retryable=False) from exc
        except TelegramEntityTooLarge:
            raise
        except AiogramError as exc:
            raise DeliveryFailed(f"chat {chat_id}: {_describe(exc)}", retryable=False) from exc

    async def _retry(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()` again after transient failures, `attempts` times in all, with
        doubling pauses; then a typed, retryable error."""
        attempt = 1
        while True:
            try:
                return await call()
            except TelegramEntityTooLarge:
                raise
            except _TRANSIENT as exc:
                if attempt >= self._attempts:
                    raise _exhausted(exc) from exc
                logger.info(
                    "transient failure ({}), try {} of {}", _describe(exc), attempt, self._attempts
                )
                await self._sleep(self._backoff_s * 2 ** (attempt - 1))
                attempt += 1


def _stream_failure(file: ResultFile) -> Exception | None:
    """What broke an upload on our side of it, if anything: the download or the size."""
    if isinstance(file.failure, TooLarge):
        return file.failure
    if file.failure is not None:
        return StreamBroken(f"download broke: {type(file.failure).__name__}")
    return None


def _exhausted(exc: Exception) -> Exception:
    if isinstance(exc, StreamBroken):
        return ResultUnavailable(f"result download failed: {exc}", retryable=True)
    return DeliveryFailed(f"Telegram kept failing: {_describe(exc)}", retryable=True)


def _describe(exc: Exception) -> str:
    """A short cause for logs and errors: the class, and Telegram's description if any.

    Never `str()` of a network error: its text may quote the request URL, and a Bot API
    request URL contains the token.
    """
    if isinstance(exc, TelegramNetworkError):
        return type(exc).__name__
    if isinstance(exc, TelegramAPIError):
        return f"{type(exc).__name__}: {exc.message}"
    if isinstance(exc, StreamBroken):
        return str(exc)
    return type(exc).__name__
