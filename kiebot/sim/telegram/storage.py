"""Turning bytes into Telegram media: PhotoSize ladders, Video and Document objects.

Shared by the methods a bot calls (sendPhoto, ...) and by the injections that play a
user sending a photo, so both get the same checks and the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiebot.sim.telegram.errors import (
    IMAGE_PROCESS_FAILED,
    PHOTO_INVALID_DIMENSIONS,
    bad_request,
)
from kiebot.sim.telegram.files import BlobStore, FileIndex, FileRecord
from kiebot.sim.telegram.media import (
    image_size,
    mp4_info,
    photo_dimensions_valid,
    photo_ladder,
    sniff_mime,
)


@dataclass(frozen=True)
class StoredMedia:
    """The Bot API object for a message's media and the record of its main file."""

    media: Any
    record: FileRecord


def store_photo(blobs: BlobStore, files: FileIndex, data: bytes) -> StoredMedia:
    """A PhotoSize list for an image, refused as Telegram refuses bad photos.

    Every size points at the original bytes (the simulator does not resample), but the
    widths and heights are the ones Telegram's ladder would produce.
    """
    size = image_size(data)
    if size is None:
        raise bad_request(IMAGE_PROCESS_FAILED)
    width, height = size
    if not photo_dimensions_valid(width, height):
        raise bad_request(PHOTO_INVALID_DIMENSIONS)
    mime = sniff_mime(data)
    sizes: list[dict[str, Any]] = []
    records: list[FileRecord] = []
    for i, (w, h) in enumerate(photo_ladder(width, height)):
        blob = blobs.put(data, variant=f"{i}:{w}x{h}")
        record = files.add("photo", blob, mime, width=w, height=h)
        records.append(record)
        sizes.append({**record.base(), "width": w, "height": h})
    for record in records:
        record.extra["sizes"] = sizes
    return StoredMedia(sizes, records[-1])


def reuse_photo(record: FileRecord) -> StoredMedia:
    """Resending a photo by file id gives back its sizes."""
    sizes = record.extra.get("sizes") or [
        {**record.base(), "width": record.width, "height": record.height}
    ]
    return StoredMedia(sizes, record)


def store_video(
    blobs: BlobStore, files: FileIndex, data: bytes, filename: str, hints: dict[str, int]
) -> StoredMedia:
    """A Video object; size and duration from the MP4 header, else from the caller's hints."""
    info = mp4_info(data)
    width = hints.get("width") or (info.width if info else 0)
    height = hints.get("height") or (info.height if info else 0)
    duration = hints.get("duration") or (info.duration if info else 0)
    record = files.add(
        "video",
        blobs.put(data),
        "video/mp4",
        file_name=filename or None,
        width=width,
        height=height,
        duration=duration,
    )
    return StoredMedia(video_object(record), record)


def video_object(record: FileRecord) -> dict[str, Any]:
    video = {
        **record.base(),
        "width": record.width,
        "height": record.height,
        "duration": record.duration,
        "mime_type": record.mime_type,
    }
    if record.file_name:
        video["file_name"] = record.file_name
    return video


def store_document(
    blobs: BlobStore, files: FileIndex, data: bytes, filename: str, mime: str = ""
) -> StoredMedia:
    """A Document object; the MIME type is sniffed when the sender gave none useful."""
    if not mime or mime == "application/octet-stream":
        mime = sniff_mime(data, filename)
    record = files.add("document", blobs.put(data), mime, file_name=filename or "file")
    return StoredMedia(document_object(record), record)


def document_object(record: FileRecord) -> dict[str, Any]:
    return {**record.base(), "file_name": record.file_name, "mime_type": record.mime_type}


def store_voice(blobs: BlobStore, files: FileIndex, data: bytes, duration: int) -> StoredMedia:
    record = files.add("voice", blobs.put(data), "audio/ogg", duration=duration)
    voice = {**record.base(), "duration": duration, "mime_type": "audio/ogg"}
    return StoredMedia(voice, record)


def store_sticker(blobs: BlobStore, files: FileIndex, data: bytes, emoji: str) -> StoredMedia:
    record = files.add("sticker", blobs.put(data), "image/webp", width=512, height=512)
    sticker = {
        **record.base(),
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
    }
    return StoredMedia(sticker, record)
