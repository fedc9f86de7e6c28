"""Request parameters, read the way the Bot API server reads them.

The real server turns every way of passing parameters (query string, JSON body, urlencoded
form, multipart form) into one map of strings, and parses numbers and booleans leniently
out of those strings: an integer field holding "abc" is 0, a boolean is true only for
"true", "yes" or "1". JSON-typed fields (reply_markup, entities, ...) arrive as strings in
forms, which is what aiogram sends. Mirroring that, rather than validating strictly, keeps
the simulator's answers the real ones: a bot that passes garbage gets "message identifier
is not specified", not a made-up schema error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from kiebot.sim.telegram.errors import ApiError, bad_request, too_large

_LEADING_INT = re.compile(r"\s*([+-]?[0-9]+)")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, fully read."""

    field: str
    filename: str
    content_type: str
    data: bytes


class Params:
    """One request's parameters as strings, plus its uploaded files."""

    def __init__(
        self,
        values: dict[str, str] | None = None,
        files: dict[str, UploadedFile] | None = None,
    ) -> None:
        self.values = values or {}
        self.files = files or {}

    @classmethod
    def from_json_object(cls, body: dict[str, Any]) -> Params:
        """Params from a JSON object, re-serialising nested values as the server does."""
        return cls({key: _as_string(value) for key, value in body.items() if value is not None})

    def has(self, name: str) -> bool:
        """Whether the parameter was given with a non-empty value."""
        return bool(self.values.get(name))

    def text(self, name: str) -> str:
        """The raw string, "" when absent."""
        return self.values.get(name, "")

    def integer(self, name: str, default: int = 0) -> int:
        """A leading integer parsed leniently; `default` when absent, 0 when unparsable."""
        raw = self.values.get(name, "")
        if not raw:
            return default
        match = _LEADING_INT.match(raw)
        return int(match.group(1)) if match else 0

    def flag(self, name: str) -> bool:
        """A boolean: true only for "true", "yes" or "1" (case-insensitive)."""
        return self.values.get(name, "").strip().lower() in ("true", "yes", "1")

    def json_value(self, name: str, what: str) -> Any:
        """A JSON-serialised field, None when absent; `what` names it in the refusal."""
        raw = self.values.get(name, "")
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise bad_request(f"can't parse {what} JSON object") from None

    def file(self, name: str) -> UploadedFile | None:
        """The uploaded file for a field: its own part, or `attach://<part>`."""
        return self.attached(self.values.get(name, "")) or self.files.get(name)

    def attached(self, value: str) -> UploadedFile | None:
        """The part an `attach://<part>` reference names (as InputMedia uses)."""
        if value.startswith("attach://"):
            return self.files.get(value.removeprefix("attach://"))
        return None


def _as_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def read_params(request: web.Request, max_upload: int) -> Params:
    """Every parameter of a Bot API request, whatever way it was sent.

    The query string always counts; a body adds to it. Multipart bodies are streamed part by
    part so an over-limit upload is refused with 413 without being held whole in memory.
    """
    params = Params(dict(request.query))
    if request.method != "POST" or not request.can_read_body:
        return params
    kind = request.content_type
    if kind == "multipart/form-data":
        await _read_multipart(request, params, max_upload)
    elif kind == "application/json":
        params.values.update(await _read_json(request))
    else:
        form = await request.post()
        params.values.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


async def _read_json(request: web.Request) -> dict[str, str]:
    try:
        body = await request.json()
    except ValueError:
        raise bad_request("can't parse JSON request body") from None
    if not isinstance(body, dict):
        raise bad_request("JSON request body must be an object")
    return Params.from_json_object(body).values


async def _read_multipart(request: web.Request, params: Params, max_upload: int) -> None:
    reader = await request.multipart()
    total = 0
    while True:
        part = await reader.next()
        if part is None:
            return
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = await _read_part(part, max_upload - total)
        total += len(data)
        if part.filename is None:
            params.values[part.name] = data.decode("utf-8", errors="replace")
        else:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            params.files[part.name] = UploadedFile(part.name, part.filename, content_type, data)


async def _read_part(part: BodyPartReader, budget: int) -> bytes:
    """One part's bytes, refusing with 413 once the request passes the upload limit."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(256 * 1024):
        size += len(chunk)
        if size > budget:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def ensure_api_error(exc: Exception) -> ApiError:
    """Anything a handler raised, as the refusal the client sees."""
    if isinstance(exc, ApiError):
        return exc
    return ApiError(500, "Internal Server Error")
