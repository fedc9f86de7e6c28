"""The KIE client: calls, retries, and which key makes each call.

Every call goes through one loop: take a slot in the key's budget, send, mark the slot
answered (the budget counts it from the answer, since KIE counts the call when it arrives),
map the reply to data or a typed error, then decide. A retryable error waits (capped
exponential backoff, full jitter) and tries again up to `Backoff.max_attempts`; a 429 also
closes the key's budget for a window, so no caller can spin on it. A key fault (401, 402,
433) takes the key out of the pool; a create then moves on to another key at once, since
KIE refused the call and nothing was created.

Creates are the one call that is not idempotent. A create is retried only when KIE said
it did not take it (an error code in the reply) or the connection never opened. A timeout
or a dropped connection after the request left raises `KieCreateOutcomeUnknown` instead:
a second create could bill a second task, so the job layer decides.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from loguru import logger

from kiebot.kie.budget import BudgetKind, CreateSlot, Grant, KeyPool
from kiebot.kie.envelope import parse_reply, parse_retry_after
from kiebot.kie.errors import (
    KieCreateOutcomeUnknown,
    KieError,
    KieFileTooLarge,
    KieNoKeyAvailable,
    KieRateLimited,
    KieTaskNotFound,
    KieTransportError,
    KieUnexpectedReply,
    KieUnsafeInput,
    KieValidationError,
)
from kiebot.kie.families import MARKET, EndpointFamily
from kiebot.kie.models import CreatedTask, TaskRecord, UploadedFile
from kiebot.kie.retry import Backoff
from kiebot.kie.session import create_kie_session
from kiebot.kie.upload import UploadSource, multipart_body, parse_uploaded, prepare_upload
from kiebot.ops.metrics import Metrics

__all__ = ["KieClient", "create_kie_session"]

CREDIT_PATH = "/api/v1/chat/credit"
UPLOAD_PATH = "/api/file-stream-upload"
# KIE's replies are small JSON; anything bigger is not KIE talking.
MAX_REPLY_BYTES = 1024 * 1024
_READ_CHUNK = 64 * 1024
# Errors that prove the request never left: the connection could not be opened.
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
_PAYLOAD_TOO_LARGE = 413
# A Telegram file URL: https://api.telegram.org/file/bot<token>/<path>.
_TELEGRAM_FILE_URL = re.compile(rb"/file/bot\d+:[A-Za-z0-9_-]+/")
# A 429 on a call without a budget of its own (uploads) still waits at least this long.
_MIN_RATE_LIMIT_WAIT_S = 1.0


class KieClient:
    """KIE's API over one shared session and a pool of keys.

    The session and the pool are owned by the caller (the composition root opens and
    closes the session); the client holds no other resources.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        pool: KeyPool,
        *,
        api_url: str,
        upload_url: str,
        backoff: Backoff | None = None,
        upload_read_timeout_s: float = 120.0,
        metrics: Metrics | None = None,
    ) -> None:
        self._session = session
        self._metrics = metrics
        self._pool = pool
        self._api_url = api_url.rstrip("/")
        self._upload_url = upload_url.rstrip("/")
        self._backoff = backoff or Backoff()
        self._upload_timeout = aiohttp.ClientTimeout(
            total=None,
            connect=session.timeout.connect,
            sock_connect=session.timeout.sock_connect,
            sock_read=upload_read_timeout_s,
        )

    @property
    def pool(self) -> KeyPool:
        return self._pool

    async def create_task(
        self,
        model: str,
        input: Mapping[str, Any],
        *,
        callback_url: str | None = None,
        family: EndpointFamily = MARKET,
    ) -> CreatedTask:
        """Create a task; the returned key id is the one that must read it later."""
        body = family.build_create_body(model, input, callback_url)
        if _TELEGRAM_FILE_URL.search(orjson.dumps(body)):
            raise KieUnsafeInput("a task input holds a Telegram file URL (it carries the token)")
        url = self._api_url + family.create_path
        retries = 0
        last_error: KieError | None = None
        while True:
            slot = await self._create_slot(last_error)
            key_id = slot.key_id
            try:
                data = await self._send_granted(slot.grant, key_id, "POST", url, json=body)
            except KieTransportError as exc:
                if exc.request_sent:
                    raise KieCreateOutcomeUnknown(
                        f"a create got no reply, KIE may have taken it: {exc.message}",
                        key_id=key_id,
                    ) from exc
                last_error = exc
            except KieError as exc:
                last_error = exc
            else:
                return CreatedTask(_created_task_id(family, data, key_id), key_id)
            retries = await self._recover(last_error, key_id, "create", retries, switch_key=True)

    async def get_task(
        self, task_id: str, key_id: str, *, family: EndpointFamily = MARKET
    ) -> TaskRecord:
        """Read a task's state with the key that created it."""
        url = self._api_url + family.record_path
        try:
            data = await self._read(key_id, url, params={"taskId": task_id})
        except KieValidationError as exc:
            # The task id is a read's only input: KIE's 422 here ("recordInfo is null")
            # means it does not know the task, not that a user typed something wrong.
            raise KieTaskNotFound(
                exc.message, code=exc.code, key_id=key_id, http_status=exc.http_status
            ) from exc
        if data is None:
            raise KieTaskNotFound("recordInfo is null", key_id=key_id)
        if not isinstance(data, Mapping):
            raise KieUnexpectedReply("a task record reply without data", key_id=key_id)
        return family.parse_record(data, task_id)

    async def get_key_credits(self, key_id: str) -> float:
        """The credits left on one key's account."""
        data = await self._read(key_id, self._api_url + CREDIT_PATH)
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise KieUnexpectedReply("a credit reply that is not a number", key_id=key_id)
        return float(data)

    async def get_credits(self) -> dict[str, float]:
        """Credits per active key. A key that turns out unusable is left out (the pool
        reports it); any other failure is raised."""
        key_ids = self._pool.active_key_ids()
        results = await asyncio.gather(
            *(self.get_key_credits(key_id) for key_id in key_ids), return_exceptions=True
        )
        credits: dict[str, float] = {}
        for key_id, result in zip(key_ids, results, strict=True):
            if isinstance(result, KieError) and result.key_fault:
                continue
            if isinstance(result, BaseException):
                raise result
            credits[key_id] = result
        return credits

    async def upload_file(
        self,
        source: UploadSource,
        *,
        file_name: str,
        upload_path: str = "kiebot",
        size: int | None = None,
    ) -> UploadedFile:
        """Upload a JPEG, PNG or WebP of up to 10 MB; its URL can go into a task's input.

        `source` is bytes, a path, or an async iterator of chunks (streamed, never held
        whole). The size and type are checked before any network call. Only bytes and
        paths are retried: an iterator cannot be replayed. KIE overwrites a file uploaded
        again under the same path and name, so the name sent is made unique here: two
        users uploading `photo.jpg` at once must not get each other's photo.
        """
        prepared = await prepare_upload(source, size=size)
        file_name = f"{secrets.token_hex(8)}-{file_name}"
        url = self._upload_url + UPLOAD_PATH
        retries = 0
        while True:
            key_id = self._pool.pick_key()
            form = multipart_body(prepared, file_name=file_name, upload_path=upload_path)
            try:
                data = await self._send(
                    key_id, "POST", url, data=form, timeout=self._upload_timeout
                )
                return parse_uploaded(data)
            except KieError as exc:
                if prepared.exceeded or exc.http_status == _PAYLOAD_TOO_LARGE:
                    raise KieFileTooLarge(f"{file_name} is over the upload limit") from exc
                retries = await self._recover(
                    exc,
                    key_id,
                    None,
                    retries,
                    switch_key=prepared.replayable,
                    retry=prepared.replayable,
                )

    async def _create_slot(self, last_error: KieError | None) -> CreateSlot:
        try:
            return await self._pool.acquire_create()
        except KieNoKeyAvailable as exc:
            if last_error is not None:
                raise exc from last_error
            raise

    async def _read(self, key_id: str, url: str, **kwargs: Any) -> Any:
        """A GET with retries, always on the given key (reads cannot switch accounts)."""
        retries = 0
        while True:
            grant = await self._pool.acquire_read(key_id)
            try:
                return await self._send_granted(grant, key_id, "GET", url, **kwargs)
            except KieError as exc:
                retries = await self._recover(exc, key_id, "read", retries, switch_key=False)

    async def _recover(
        self,
        error: KieError,
        key_id: str,
        kind: BudgetKind | None,
        retries: int,
        *,
        switch_key: bool,
        retry: bool = True,
    ) -> int:
        """Get ready for the next attempt after `error`, or raise it. Returns retries so far.

        A key fault retries at once on another key when the call may switch keys: the
        failing key is out of the pool, so this cannot loop for longer than there are keys.
        """
        if error.key_fault:
            self._pool.report_fault(key_id, error)
            if switch_key:
                return retries
            raise error
        if not (retry and error.retryable) or retries + 1 >= self._backoff.max_attempts:
            raise error
        at_least = 0.0
        if isinstance(error, KieRateLimited):
            if kind is None:
                at_least = max(error.retry_after or 0.0, _MIN_RATE_LIMIT_WAIT_S)
            else:
                self._pool.penalize(key_id, kind, error.retry_after)
        waited = await self._backoff.wait(retries, at_least=at_least)
        logger.info("KIE call failed ({}); retry {} after {:.2f}s", error, retries + 1, waited)
        return retries + 1

    async def _send_granted(
        self, grant: Grant, key_id: str, method: str, url: str, **kwargs: Any
    ) -> Any:
        """`_send` on a budget slot, which then counts from the moment the call was over.

        KIE counted the call before we hear back, however late it was sent; see
        `budget.Grant`. A failure or a cancellation ends the call too.
        """
        try:
            return await self._send(key_id, method, url, **kwargs)
        finally:
            grant.answered()

    async def _send(self, key_id: str, method: str, url: str, **kwargs: Any) -> Any:
        """One HTTP exchange, counted by endpoint and KIE's code when metrics are on."""
        if self._metrics is None:
            return await self._exchange(key_id, method, url, **kwargs)
        endpoint = urlsplit(url).path
        started = time.perf_counter()
        code = "200"
        try:
            return await self._exchange(key_id, method, url, **kwargs)
        except KieTransportError:
            code = "network"
            raise
        except KieError as exc:
            code = str(exc.code or exc.http_status or "error")
            raise
        finally:
            self._metrics.provider_calls.labels(endpoint=endpoint, code=code).inc()
            self._metrics.provider_latency.labels(endpoint=endpoint).observe(
                time.perf_counter() - started
            )

    async def _exchange(self, key_id: str, method: str, url: str, **kwargs: Any) -> Any:
        """One HTTP exchange: KIE's `data` on success, a typed error otherwise."""
        headers = {"Authorization": self._pool.authorization(key_id)}
        try:
            async with self._session.request(method, url, headers=headers, **kwargs) as response:
                body = await _read_capped(response, key_id)
                status = response.status
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
        except _NOT_SENT as exc:
            raise KieTransportError(_describe(exc), request_sent=False, key_id=key_id) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise KieTransportError(_describe(exc), request_sent=True, key_id=key_id) from exc
        return parse_reply(
            status,
            body,
            key_id=key_id,
            secret=self._pool.secret(key_id),
            retry_after=retry_after,
        )


def _created_task_id(family: EndpointFamily, data: object, key_id: str) -> str:
    """The task id of an accepted create; an accepted reply without one is ambiguous too:
    KIE said yes, so a task may exist (and bill) that we cannot track."""
    try:
        return family.parse_created(data)
    except KieUnexpectedReply as exc:
        raise KieCreateOutcomeUnknown(exc.message, key_id=key_id) from exc


async def _read_capped(response: aiohttp.ClientResponse, key_id: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_READ_CHUNK):
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise KieTransportError(
                f"a reply over {MAX_REPLY_BYTES} bytes (HTTP {response.status})",
                request_sent=True,
                key_id=key_id,
                http_status=response.status,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
