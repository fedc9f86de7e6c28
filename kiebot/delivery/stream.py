"""Streaming a result from its URL into a Telegram upload, never holding it whole.

`ResultSource` opens the result URL with the media session; `ResultFile` is the aiogram
`InputFile` whose `read()` yields the response body chunk by chunk, so aiohttp writes
each chunk into the multipart upload as it arrives. At any moment the process holds a
chunk or two of a 50 MB video, not the video (DESIGN invariant 6).

A stream can be read once. When Telegram refuses an upload (a photo it will not take, a
429 after the whole body went up), the next attempt opens the URL again: a KIE CDN
download costs less than holding every result in memory or on disk in case of a refusal.

Failures inside `read()` reach aiogram as a generic network error, so `ResultFile` keeps
what went wrong (`failure`) for the caller to tell "the download broke" and "the file is
larger than this method takes" from a Telegram network problem.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from posixpath import basename
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import aiohttp
from aiogram.types import InputFile

from kiebot.delivery.errors import DeliveryFailed, ResultUnavailable

if TYPE_CHECKING:
    from aiogram import Bot

CHUNK_SIZE = 64 * 1024
# A result URL answering these is gone for good (KIE result links expire).
_GONE_STATUSES = frozenset({401, 403, 404, 410})
_TELEGRAM_FILE_MARK = "/file/bot"


class StreamBroken(Exception):
    """The download failed in a way a later try may not (connection, 5xx, 429)."""


class TooLarge(Exception):
    """The body outgrew the size the chosen Bot API method accepts."""


def ensure_shareable(url: str) -> None:
    """Refuse a Telegram file URL: it carries the bot token (DESIGN invariant 7).

    Results are KIE CDN URLs, safe to show a user. A URL with `/file/bot<token>/` must
    never reach a message or a log line, so it is refused before anything else happens,
    and the error does not repeat it.
    """
    if _TELEGRAM_FILE_MARK in url:
        raise DeliveryFailed("refusing a Telegram file URL as a result link", retryable=False)


def loggable(url: str) -> str:
    """Scheme, host and path only: a signed CDN query string stays out of the logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def filename_for(url: str, default: str) -> str:
    """The file name Telegram shows for a document: the URL's last segment if it has an
    extension, else `default`."""
    name = basename(unquote(urlsplit(url).path))
    return name if "." in name.strip(".") else default


class ResultSource:
    """The result URL, opened as often as the uploads need it.

    `probe()` opens it once to read the declared size; that response is handed to the
    first `take()`, so the common case downloads the result exactly once. Whoever takes
    a response releases it; `close()` releases one nobody took.
    """

    def __init__(self, session: aiohttp.ClientSession, url: str, filename: str) -> None:
        self._session = session
        self.url = url
        self.filename = filename
        self.size: int | None = None
        self._pending: aiohttp.ClientResponse | None = None

    async def probe(self) -> int | None:
        """Open the URL and return its Content-Length (None when it declares none)."""
        self.close()
        self._pending = await self._get()
        self.size = self._pending.content_length
        return self.size

    async def take(self) -> aiohttp.ClientResponse:
        """An open, unread response: the probed one, else a new download."""
        response, self._pending = self._pending, None
        return response if response is not None else await self._get()

    def close(self) -> None:
        if self._pending is not None:
            self._pending.release()
            self._pending = None

    async def _get(self) -> aiohttp.ClientResponse:
        try:
            response = await self._session.get(self.url)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise StreamBroken(f"{loggable(self.url)}: {type(exc).__name__}") from exc
        if response.status == 200:
            return response
        response.release()
        reason = f"{loggable(self.url)} answered {response.status}"
        if response.status in _GONE_STATUSES:
            raise ResultUnavailable(reason, retryable=False)
        raise StreamBroken(reason)


class ResultFile(InputFile):
    """An upload body read straight from an open HTTP response, chunk by chunk.

    `limit` is the most bytes the Bot API method takes; a body that grows past it (when
    no Content-Length said so up front) stops the upload with `TooLarge`. `sent` counts
    the bytes handed to aiohttp; `failure` keeps why reading stopped, if it did.
    """

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        *,
        filename: str,
        limit: int,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        super().__init__(filename=filename, chunk_size=chunk_size)
        self._response = response
        self._limit = limit
        self.sent = 0
        self.failure: Exception | None = None

    async def read(self, bot: Bot) -> AsyncGenerator[bytes, None]:
        try:
            async for chunk in self._response.content.iter_chunked(self.chunk_size):
                self.sent += len(chunk)
                if self.sent > self._limit:
                    raise TooLarge(f"more than {self._limit} bytes")
                yield chunk
        except (TooLarge, aiohttp.ClientError, TimeoutError) as exc:
            self.failure = exc
            raise

    def release(self) -> None:
        self._response.release()
