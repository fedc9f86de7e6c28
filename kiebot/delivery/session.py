"""The Bot API session: aiogram's aiohttp session, with the answer models kept alive.

aiogram parses every Bot API answer with `Response[method.__returning__]`, a pydantic
generic model made on first use. pydantic caches such models in a `WeakValueDictionary`,
and a model class sits in reference cycles, so every run of the cyclic garbage collector
drops them and the next answer builds the model again (a schema build: about 1-3 ms of
CPU each, measured as 8 % of the bot's CPU in `scripts/bench chat`, where the many
short-lived objects of 500 updates a second make the collector run often). Holding one
strong reference per answer type keeps pydantic's cache warm for the process's life; the
set is small and fixed (one entry per Bot API method the bot calls).

JSON goes through orjson (already the project's JSON library) rather than aiogram's
default, the standard library's: every answer is parsed and every keyboard serialised.

A call without a file goes out as one JSON body (the Bot API takes `application/json`)
instead of aiogram's form: building a form costs aiohttp a multipart writer with a random
boundary, then URL-encoding, for every status edit. py-spy put form building at 8 % of
the bot's CPU in `scripts/bench scale`.

An upload is a multipart form. aiohttp sends a form with a streamed file chunked, one
socket write per part and per chunk, and a socket write is a system call that on
loopback also runs the receiver's side. A file that turns out to be small (most photos)
is therefore read whole first and the form sent as one body of known length, in one
write; a larger one goes on streaming after the part already read, so the process never
holds more than `ONE_BODY_MAX` bytes of an upload.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any, cast

import orjson
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InputFile
from aiohttp import ClientError, ClientTimeout, FormData

_JSON_HEADERS = {"Content-Type": "application/json"}
# The most of one upload read ahead to send it as one body; beyond it, it streams. Below
# aiohttp's 1 MiB, past which it warns that a bytes body may hold up the event loop.
ONE_BODY_MAX = 512 * 1024


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class BotSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("json_loads", orjson.loads)
        kwargs.setdefault("json_dumps", _dumps)
        super().__init__(**kwargs)
        self._answer_models: dict[Any, type[Response[Any]]] = {}

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._answer_models:
            self._answer_models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        """aiogram's request, with a JSON body when the call carries no file, and a form
        sent as one body when its file is small."""
        files: dict[str, InputFile] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None and prepared != "":  # as aiogram's form leaves them out
                body[key] = prepared
        if files:
            data, headers = await self._upload_body(bot, method, body, files)
        else:
            data, headers = orjson.dumps(body), _JSON_HEADERS
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=data,
                headers=headers,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as response:
                content = await response.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except ClientError as exc:
            message = f"{type(exc).__name__}: {exc}"
            raise TelegramNetworkError(method=method, message=message) from exc
        answer = self.check_response(
            bot=bot, method=method, status_code=response.status, content=content
        )
        return cast(TelegramType, answer.result)

    async def _upload_body(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        body: Mapping[str, Any],
        files: Mapping[str, InputFile],
    ) -> tuple[bytes | FormData, Mapping[str, str] | None]:
        """The form: one body when every file fits in `ONE_BODY_MAX`, else aiogram's
        streamed form, each file resuming after the part already read.

        A file that fails while read ahead (its download broke, it outgrew its method's
        limit) fails the call as a network error, as when aiohttp streams it; the file
        keeps why, for the caller.
        """
        fields = {k: v if isinstance(v, str) else self.json_dumps(v) for k, v in body.items()}
        heads: dict[str, tuple[list[bytes], AsyncGenerator[bytes, None] | None]] = {}
        try:
            for key, file in files.items():
                heads[key] = await _read_head(file.read(bot), ONE_BODY_MAX)
        except Exception as exc:  # aiohttp, streaming it, would say ClientConnectionError
            message = f"{type(exc).__name__}: {exc}"
            raise TelegramNetworkError(method=method, message=message) from exc
        if all(rest is None for _, rest in heads.values()):
            names = {key: file.filename or key for key, file in files.items()}
            return _one_body(fields, names, {key: head for key, (head, _) in heads.items()})
        form = FormData(quote_fields=False)
        for key, value in fields.items():
            form.add_field(key, value)
        for key, file in files.items():
            head, rest = heads[key]
            form.add_field(key, _resumed(head, rest), filename=file.filename or key)
        return form, None


async def _read_head(
    chunks: AsyncGenerator[bytes, None], limit: int
) -> tuple[list[bytes], AsyncGenerator[bytes, None] | None]:
    """The file's chunks up to just past `limit` bytes, and the unread rest (None when
    the file ended within `limit`)."""
    head: list[bytes] = []
    size = 0
    async for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size > limit:
            return head, chunks
    return head, None


async def _resumed(
    head: list[bytes], rest: AsyncGenerator[bytes, None] | None
) -> AsyncIterator[bytes]:
    for chunk in head:
        yield chunk
    if rest is not None:
        async for chunk in rest:
            yield chunk


def _one_body(
    fields: Mapping[str, str], filenames: Mapping[str, str], files: Mapping[str, list[bytes]]
) -> tuple[bytes, Mapping[str, str]]:
    """A multipart/form-data body (RFC 7578), as aiohttp's form would write it."""
    boundary = secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in fields.items():
        disposition = f'form-data; name="{_quoted(name)}"'
        parts.append(_part_head(boundary, disposition, "text/plain; charset=utf-8"))
        parts.extend((value.encode(), b"\r\n"))
    for name, chunks in files.items():
        disposition = f'form-data; name="{_quoted(name)}"; filename="{_quoted(filenames[name])}"'
        parts.append(_part_head(boundary, disposition, "application/octet-stream"))
        parts.extend(chunks)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def _part_head(boundary: str, disposition: str, content_type: str) -> bytes:
    return (
        f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()


def _quoted(value: str) -> str:
    """A quoted-string's content, as aiohttp writes a disposition parameter; line breaks,
    which would end the header, are dropped."""
    value = value.replace("\r", "").replace("\n", "")
    return value.replace("\\", "\\\\").replace('"', '\\"')
