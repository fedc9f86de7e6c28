"""A job's photos: from Telegram to KIE as a stream, never as a Telegram URL.

A user's photo lives at Telegram under a file id. Its download URL holds the bot token,
so it must never reach KIE (or anyone): the runner downloads the file and streams the
bytes straight into KIE's upload, chunk by chunk, so a 10 MB photo never sits in memory
whole. Size and type were already checked from Telegram's own metadata before any
credit moved; the upload checks the bytes' signature again (`kie.upload`).

The download stream cannot be replayed, so a failed upload is retried here by
downloading again, a few times, before the job gives up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import PurePosixPath

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from loguru import logger

from kiebot.errors import KiebotError
from kiebot.kie import KieClient, KieError
from kiebot.kie.errors import KieFileRejected

UPLOAD_ATTEMPTS = 3
UPLOAD_BACKOFF_S = 1.0
DOWNLOAD_TIMEOUT_S = 60
UPLOAD_PATH = "kiebot/inputs"


class InputUnavailable(KiebotError):
    """Telegram no longer has the photo (or will not hand it to a bot): the job cannot
    start, and its credits are released."""

    user_message_key = "input.file_unavailable"


class InputUploader:
    """Turns Telegram file ids into KIE file URLs; owned by the composition root.

    `bot` downloads (its session, its API server), `kie` uploads; neither is closed here.
    """

    def __init__(
        self,
        bot: Bot,
        kie: KieClient,
        *,
        attempts: int = UPLOAD_ATTEMPTS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._kie = kie
        self._attempts = attempts
        self._sleep = sleep

    async def upload_all(self, file_ids: Sequence[str]) -> list[str]:
        """KIE URLs for these Telegram files, in the same order."""
        return [await self.upload(file_id) for file_id in file_ids]

    async def upload(self, file_id: str) -> str:
        """One file: raises `InputUnavailable` (Telegram will not hand it over), a
        `KieFileRejected` (the user's file is not an image KIE takes) or the last
        `KieError` once the attempts are spent."""
        for attempt in range(1, self._attempts + 1):
            try:
                return await self._upload_once(file_id)
            except (KieFileRejected, InputUnavailable):
                raise
            except (KieError, aiohttp.ClientError, TimeoutError) as exc:
                if attempt == self._attempts:
                    if isinstance(exc, KieError):
                        raise
                    raise InputUnavailable(f"download failed: {_safe(exc)}") from exc
                logger.info("photo upload attempt {} failed: {}", attempt, _safe(exc))
                await self._sleep(UPLOAD_BACKOFF_S * attempt)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _upload_once(self, file_id: str) -> str:
        try:
            file = await self._bot.get_file(file_id)
        except TelegramAPIError as exc:
            raise InputUnavailable(f"getFile refused: {exc.message}") from exc
        if not file.file_path:
            raise InputUnavailable("Telegram gave no file path")
        session = self._bot.session
        url = session.api.file_url(self._bot.token, file.file_path)
        stream = session.stream_content(url, timeout=DOWNLOAD_TIMEOUT_S)
        suffix = PurePosixPath(file.file_path).suffix or ".jpg"
        try:
            uploaded = await self._kie.upload_file(
                stream, file_name=f"input{suffix}", upload_path=UPLOAD_PATH, size=file.file_size
            )
        finally:
            await stream.aclose()
        return uploaded.url


def _safe(exc: BaseException) -> str:
    """An error in words that cannot hold the download URL (it carries the bot token):
    aiohttp's errors print the request URL, so only the type and status are kept."""
    if isinstance(exc, KieError):
        return str(exc)
    status = getattr(exc, "status", None)
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "")
