"""KIE's file upload service, simulated: a bounded in-memory store and its rules.

Uploaded files are temporary (KIE deletes them after three days), addressed by
`uploadPath/fileName`, served back at their downloadUrl, and overwritten by a second
upload with the same name. Type is sniffed from the bytes, never taken from the client.
The store holds at most `upload_store_max_bytes`; the oldest files go first, which keeps
a long benchmark from growing memory without bound.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass

_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[\w=-]+)*;base64,", re.IGNORECASE)
_SAFE_SEGMENT = re.compile(r"^[\w.@()+-]+$")


@dataclass
class StoredFile:
    path: str
    data: bytes
    mime: str
    stored_at: float
    account: str


class UploadStore:
    """Files by path, oldest first; `get` hides expired ones."""

    def __init__(self) -> None:
        self._files: OrderedDict[str, StoredFile] = OrderedDict()
        self._bytes = 0

    def put(self, item: StoredFile, max_bytes: int) -> None:
        """Store (or overwrite) a file, then evict the oldest until under `max_bytes`."""
        old = self._files.pop(item.path, None)
        if old is not None:
            self._bytes -= len(old.data)
        self._files[item.path] = item
        self._bytes += len(item.data)
        while self._bytes > max_bytes and len(self._files) > 1:
            _, evicted = self._files.popitem(last=False)
            self._bytes -= len(evicted.data)

    def get(self, path: str, now: float, ttl: float) -> StoredFile | None:
        item = self._files.get(path)
        if item is None or now - item.stored_at > ttl:
            return None
        return item

    def clear(self) -> None:
        self._files.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._files)


def clean_upload_path(raw: object) -> str | None:
    """`uploadPath` without leading/trailing slashes, or None if it is missing or unsafe."""
    if not isinstance(raw, str):
        return None
    parts = [p for p in raw.strip().strip("/").split("/") if p]
    if not parts or any(p in (".", "..") or not _SAFE_SEGMENT.match(p) for p in parts):
        return None
    return "/".join(parts)


def clean_file_name(raw: object) -> str | None:
    """A file name usable as one path segment, or None (KIE then generates one)."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    name = raw.strip().rsplit("/", 1)[-1]
    return name if _SAFE_SEGMENT.match(name) and name not in (".", "..") else None


def decode_base64_data(raw: str) -> bytes:
    """Decode plain Base64 or a data URL; raises ValueError on bad input."""
    match = _DATA_URL.match(raw)
    payload = raw[match.end() :] if match else raw
    try:
        return base64.b64decode(payload.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("Base64 decoding failed: Invalid Base64 format") from exc


async def read_capped(chunks: AsyncIterator[bytes], limit: int) -> tuple[bytes, int]:
    """Read a stream keeping at most `limit + 1` bytes; return (kept bytes, total size).

    The rest is read and dropped, so an oversized upload is measured and refused without
    ever being held in memory, and the connection stays usable.
    """
    kept = bytearray()
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        room = limit + 1 - len(kept)
        if room > 0:
            kept += chunk[:room]
    return bytes(kept), total
