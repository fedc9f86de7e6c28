"""File uploads: checked before any network call, then streamed as multipart.

KIE takes JPEG, PNG and WebP up to 10 MB. We check the first bytes (the file's own
signature, not its name or a claimed type) and the size before opening a connection,
so a user's wrong file costs nothing and fails with a user-fault error. The body is then
streamed in chunks: a 10 MB photo from a path or an async iterator never sits in memory
whole. A stream whose size was not known up front is counted as it goes and cut off if it
passes the limit.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import aiohttp
from aiohttp.payload import AsyncIterablePayload

from kiebot.kie.errors import KieFileTooLarge, KieUnexpectedReply, KieUnsupportedFile
from kiebot.kie.models import UploadedFile

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
# Enough for every signature we accept (WebP needs 12: "RIFF", size, "WEBP").
_SNIFF_BYTES = 12

_T = TypeVar("_T")

UploadSource = bytes | AsyncIterable[bytes] | os.PathLike[str]


def sniff_image_type(head: bytes) -> str | None:
    """The MIME type named by a file's first bytes, if it is one KIE accepts."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= _SNIFF_BYTES and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(slots=True)
class PreparedUpload:
    """A checked file and a way to stream it; `replayable` says a retry can resend it.

    `exceeded` turns true when a stream of unknown size went over the limit mid-way.
    """

    mime_type: str
    size: int | None
    replayable: bool
    max_bytes: int
    _open: Callable[[], AsyncIterator[bytes]] = field(repr=False)
    exceeded: bool = False
    _opened: bool = False

    def stream(self) -> AsyncIterator[bytes]:
        """The file's bytes, chunk by chunk; a second call only for a replayable file."""
        if self._opened and not self.replayable:
            raise RuntimeError("this upload source can be streamed only once")
        self._opened = True
        return self._counted(self._open())

    async def _counted(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        sent = 0
        async for chunk in chunks:
            sent += len(chunk)
            if sent > self.max_bytes:
                self.exceeded = True
                raise KieFileTooLarge(f"the file is over {self.max_bytes} bytes")
            yield chunk


async def prepare_upload(
    source: UploadSource, *, size: int | None = None, max_bytes: int = MAX_UPLOAD_BYTES
) -> PreparedUpload:
    """Check a file's size and type without sending anything; raise a user-fault error."""
    if isinstance(source, bytes):
        prepared = _from_bytes(source, max_bytes)
    elif isinstance(source, os.PathLike):
        prepared = await _from_path(Path(source), max_bytes)
    else:
        prepared = await _from_stream(source.__aiter__(), size, max_bytes)
    if prepared.size is not None and prepared.size > max_bytes:
        raise KieFileTooLarge(f"the file is {prepared.size} bytes, over {max_bytes}")
    return prepared


def _reject_unknown(head: bytes) -> str:
    mime = sniff_image_type(head)
    if mime is None:
        raise KieUnsupportedFile("the file is not a JPEG, PNG or WebP image")
    return mime


def _from_bytes(data: bytes, max_bytes: int) -> PreparedUpload:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), CHUNK_BYTES):
            yield data[start : start + CHUNK_BYTES]

    if len(data) > max_bytes:
        raise KieFileTooLarge(f"the file is {len(data)} bytes, over {max_bytes}")
    return PreparedUpload(_reject_unknown(data[:_SNIFF_BYTES]), len(data), True, max_bytes, chunks)


def _read_head(path: Path) -> tuple[int, bytes]:
    with path.open("rb") as file:
        return os.fstat(file.fileno()).st_size, file.read(_SNIFF_BYTES)


async def _from_path(path: Path, max_bytes: int) -> PreparedUpload:
    # File I/O goes to a thread: a slow disk must not stall the event loop.
    size, head = await asyncio.to_thread(_read_head, path)
    if size > max_bytes:
        raise KieFileTooLarge(f"the file is {size} bytes, over {max_bytes}")

    async def chunks() -> AsyncIterator[bytes]:
        file: BinaryIO = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
                yield chunk
        finally:
            file.close()

    return PreparedUpload(_reject_unknown(head), size, True, max_bytes, chunks)


async def _from_stream(
    iterator: AsyncIterator[bytes], size: int | None, max_bytes: int
) -> PreparedUpload:
    if size is not None and size > max_bytes:
        raise KieFileTooLarge(f"the file is {size} bytes, over {max_bytes}")
    head_chunks: list[bytes] = []
    while sum(map(len, head_chunks)) < _SNIFF_BYTES:
        chunk = await anext(iterator, None)
        if chunk is None:
            break
        head_chunks.append(chunk)
    head = b"".join(head_chunks)
    if len(head) > max_bytes:
        raise KieFileTooLarge(f"the file is over {max_bytes} bytes")

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in head_chunks:
            yield chunk
        async for chunk in iterator:
            yield chunk

    # The declared size is only a hint for the early check: the stream is counted as it
    # goes, and sent chunked, so a wrong hint cannot truncate or overrun the body.
    return PreparedUpload(_reject_unknown(head), None, False, max_bytes, chunks)


class _FilePayload(AsyncIterablePayload):
    """A streamed body that declares its size when known, so no chunked encoding is needed."""

    def __init__(self, prepared: PreparedUpload) -> None:
        super().__init__(prepared.stream(), content_type=prepared.mime_type)
        self._size = prepared.size


def multipart_body(
    prepared: PreparedUpload, *, file_name: str, upload_path: str
) -> aiohttp.MultipartWriter:
    """The `file-stream-upload` form: `uploadPath`, `fileName`, then the streamed `file`."""
    writer = aiohttp.MultipartWriter("form-data")
    writer.append(upload_path).set_content_disposition("form-data", name="uploadPath")
    writer.append(file_name).set_content_disposition("form-data", name="fileName")
    part = writer.append_payload(_FilePayload(prepared))
    part.set_content_disposition("form-data", name="file", filename=file_name)
    return writer


def parse_uploaded(data: object) -> UploadedFile:
    """The hosted file's URL (`downloadUrl`, else `fileUrl`) out of the upload reply."""
    if not isinstance(data, Mapping):
        raise KieUnexpectedReply("an upload reply without data")
    url = data.get("downloadUrl") or data.get("fileUrl")
    if not isinstance(url, str) or not url:
        raise KieUnexpectedReply("an upload reply without a file URL")
    return UploadedFile(
        url=url,
        file_name=_opt(data, "fileName", str),
        size=_opt(data, "fileSize", int),
        mime_type=_opt(data, "mimeType", str),
        upload_path=_opt(data, "uploadPath", str),
    )


def _opt(data: Mapping[str, Any], name: str, kind: type[_T]) -> _T | None:
    value = data.get(name)
    return value if isinstance(value, kind) and not isinstance(value, bool) else None
