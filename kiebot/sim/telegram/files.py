"""Stored files: bytes kept once per content, file ids kept per bot.

On the real Bot API a `file_id` is valid only for the bot that received it, while a
`file_unique_id` names the content for every bot. The simulator keeps the same split: a
content-addressed blob store shared by all bots (so a benchmark that sends the same picture
a thousand times holds it once), and per bot a map from file id (and file path) to a
record of what kind of file it is.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from kiebot.sim.telegram.media import extension_for

_KIND_PREFIX = {
    "photo": "AgAC",
    "video": "BAAC",
    "document": "BQAC",
    "sticker": "CAAC",
    "voice": "AwAC",
}
_KIND_DIR = {
    "photo": "photos",
    "video": "videos",
    "document": "documents",
    "sticker": "stickers",
    "voice": "voice",
}


@dataclass(frozen=True)
class Blob:
    """File content and its content-derived unique id."""

    unique_id: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


class BlobStore:
    """Content-addressed bytes shared by every bot of one simulator."""

    def __init__(self) -> None:
        self._blobs: dict[str, Blob] = {}

    def put(self, data: bytes, variant: str = "") -> Blob:
        """Store bytes (once per content); `variant` tells photo sizes of one file apart."""
        digest = hashlib.sha256(variant.encode() + data).digest()
        unique_id = "AQAD" + base64.urlsafe_b64encode(digest[:9]).decode()
        blob = self._blobs.get(unique_id)
        if blob is None:
            blob = Blob(unique_id, data)
            self._blobs[unique_id] = blob
        return blob

    def clear(self) -> None:
        self._blobs.clear()

    @property
    def total_bytes(self) -> int:
        return sum(blob.size for blob in self._blobs.values())


@dataclass
class FileRecord:
    """One bot's handle on a stored file: what it is and where it can be downloaded."""

    file_id: str
    kind: str
    blob: Blob
    file_path: str
    mime_type: str
    file_name: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.blob.size

    def base(self) -> dict[str, Any]:
        """The fields every Bot API file object has."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.blob.unique_id,
            "file_size": self.blob.size,
        }

    def as_file(self) -> dict[str, Any]:
        """The Bot API `File` object that getFile answers with."""
        return {**self.base(), "file_path": self.file_path}


class FileIndex:
    """A bot's files by file id and by download path."""

    def __init__(self) -> None:
        self.by_id: dict[str, FileRecord] = {}
        self.by_path: dict[str, FileRecord] = {}
        self._counter = 0

    def add(self, kind: str, blob: Blob, mime_type: str, **details: Any) -> FileRecord:
        """A new file id for `blob`, seen by this bot as a `kind` file."""
        self._counter += 1
        file_id = _KIND_PREFIX.get(kind, "BQAC") + secrets.token_urlsafe(48)
        path = f"{_KIND_DIR.get(kind, 'documents')}/file_{self._counter}.{extension_for(mime_type)}"
        record = FileRecord(file_id, kind, blob, path, mime_type, **details)
        self.by_id[file_id] = record
        self.by_path[path] = record
        return record

    def clear(self) -> None:
        self.by_id.clear()
        self.by_path.clear()
