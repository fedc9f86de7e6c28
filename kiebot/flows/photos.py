"""A user's photo as Telegram describes it, checked before anything else happens.

Telegram tells the size (and, for a file sent as a document, the type) of every file in
the message itself, so a photo too big or a file that is no image is refused before any
credit moves or any byte is downloaded. The bytes' own signature is checked again when
they are uploaded to KIE (`kie.upload`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiebot.catalog import ModelEntry
from kiebot.catalog.fields import MAX_IMAGE_MB
from kiebot.errors import KiebotError

ACCEPTED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_BYTES = int(MAX_IMAGE_MB * 1024 * 1024)


class PhotoTooLarge(KiebotError):
    user_message_key = "input.photo_too_large"

    def __init__(self, size: int, max_bytes: int) -> None:
        super().__init__(f"a photo of {size} bytes, at most {max_bytes}")
        self.max_mb = round(max_bytes / 1024 / 1024)


class PhotoType(KiebotError):
    """A file sent as a document that is not a JPEG, PNG or WebP image."""

    user_message_key = "input.photo_type"

    def __init__(self, mime_type: str | None) -> None:
        super().__init__(f"a file of type {mime_type!r}")


class PhotoExpired(KiebotError):
    """A button about a photo that the bot no longer keeps (it waits 15 minutes)."""

    user_message_key = "flow.photo_expired"


@dataclass(frozen=True, slots=True)
class PhotoRef:
    """One photo of a message: Telegram's file id, its size, and its declared type
    (None for a photo, which Telegram always stores as JPEG)."""

    file_id: str
    size: int | None
    mime_type: str | None = None

    def check(self, max_bytes: int = MAX_BYTES) -> None:
        if self.mime_type is not None and self.mime_type not in ACCEPTED_TYPES:
            raise PhotoType(self.mime_type)
        if self.size is not None and self.size > max_bytes:
            raise PhotoTooLarge(self.size, max_bytes)


def check_photos(photos: Sequence[PhotoRef], entry: ModelEntry | None = None) -> None:
    """Every photo's type, and its size against the model's limit (KIE's 10 MB, or less
    where the model takes less: background removal takes 5 MB)."""
    limit = entry.max_image_bytes if entry and entry.image_field else MAX_BYTES
    for photo in photos:
        photo.check(limit)
