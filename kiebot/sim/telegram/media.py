"""What the simulator learns from a file's bytes: image dimensions, video facts, type.

Telegram decodes every photo it is sent: that is how it refuses one whose sides are out of
proportion (PHOTO_INVALID_DIMENSIONS) or that is not an image at all (IMAGE_PROCESS_FAILED),
and how it fills in PhotoSize widths. The simulator reads just the headers (PNG IHDR, JPEG
SOF, GIF, WebP; the MP4 `mvhd`/`tkhd` boxes), which is enough to give the same answers
without an image library.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0xD8, 0x01, *range(0xD0, 0xD8)})
PHOTO_SIDES = (90, 320, 800, 1280, 2560)
"""Telegram's photo size ladder (s, m, x, y, w); the largest kept side is 2560."""


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        if marker in _JPEG_STANDALONE:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        b0, b1, b2, b3 = data[21:25]
        width = 1 + (((b1 & 0x3F) << 8) | b0)
        height = 1 + (((b3 & 0x0F) << 10) | (b2 << 2) | ((b1 & 0xC0) >> 6))
        return width, height
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    return None


def photo_dimensions_valid(width: int, height: int) -> bool:
    """The Bot API's rule: sides sum to at most 10000, aspect ratio at most 20."""
    if width <= 0 or height <= 0:
        return False
    return width + height <= 10000 and max(width, height) / min(width, height) <= 20


def photo_ladder(width: int, height: int) -> list[tuple[int, int]]:
    """The PhotoSize dimensions Telegram would produce, smallest first."""
    longest = max(width, height)
    sizes: list[tuple[int, int]] = []
    for side in PHOTO_SIDES:
        if side >= longest:
            break
        scale = side / longest
        sizes.append((max(1, round(width * scale)), max(1, round(height * scale))))
    if longest <= PHOTO_SIDES[-1]:
        sizes.append((width, height))
    if len(sizes) == 1:
        # A small image still gets a thumbnail entry, at its own size.
        sizes.insert(0, sizes[0])
    return sizes


@dataclass(frozen=True)
class VideoInfo:
    """What an MP4's header says: pixel size and whole seconds."""

    width: int
    height: int
    duration: int


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the ISO-BMFF boxes in data[start:end]."""
    boxes: list[tuple[bytes, int, int]] = []
    i = start
    while i + 8 <= end:
        (size,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        header = 8
        if size == 1 and i + 16 <= end:
            (size,) = struct.unpack(">Q", data[i + 8 : i + 16])
            header = 16
        elif size == 0:
            size = end - i
        if size < header:
            break
        boxes.append((kind, i + header, min(i + size, end)))
        i += size
    return boxes


def _mvhd_seconds(data: bytes, start: int) -> int:
    version = data[start]
    if version == 1:
        scale, duration = struct.unpack(">IQ", data[start + 20 : start + 32])
    else:
        scale, duration = struct.unpack(">II", data[start + 12 : start + 20])
    return round(duration / scale) if scale else 0


def _tkhd_size(data: bytes, start: int) -> tuple[int, int]:
    offset = start + (88 if data[start] == 1 else 76)
    if offset + 8 > len(data):
        return 0, 0
    width, height = struct.unpack(">II", data[offset : offset + 8])
    return width >> 16, height >> 16


def mp4_info(data: bytes) -> VideoInfo | None:
    """Size and duration from an MP4's `moov`; None when there is no readable `moov`."""
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind == b"moov":
            return _moov_info(data, start, end)
    return None


def _moov_info(data: bytes, start: int, end: int) -> VideoInfo:
    seconds, width, height = 0, 0, 0
    try:
        for kind, box_start, box_end in _boxes(data, start, end):
            if kind == b"mvhd":
                seconds = _mvhd_seconds(data, box_start)
            elif kind == b"trak" and not width:
                width, height = _trak_size(data, box_start, box_end)
    except (struct.error, IndexError):
        pass
    return VideoInfo(width, height, seconds)


def _trak_size(data: bytes, start: int, end: int) -> tuple[int, int]:
    for kind, box_start, _ in _boxes(data, start, end):
        if kind == b"tkhd":
            return _tkhd_size(data, box_start)
    return 0, 0


def sniff_mime(data: bytes, filename: str = "") -> str:
    """A MIME type from magic bytes, falling back to the file name's extension."""
    if image_size(data) is not None:
        if data.startswith(b"\x89PNG"):
            return "image/png"
        if data.startswith(b"\xff\xd8"):
            return "image/jpeg"
        return "image/gif" if data.startswith(b"GIF") else "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    if data.startswith(b"%PDF"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        return "application/zip"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    by_extension = {".txt": "text/plain", ".json": "application/json", ".mp4": "video/mp4"}
    for extension, mime in by_extension.items():
        if filename.lower().endswith(extension):
            return mime
    return "application/octet-stream"


def extension_for(mime: str) -> str:
    """A file extension for a `file_path`, the way Telegram names stored files."""
    known = {
        "image/png": "png",
        "image/jpeg": "jpg",
        "image/gif": "gif",
        "image/webp": "webp",
        "video/mp4": "mp4",
        "application/pdf": "pdf",
        "application/zip": "zip",
        "audio/ogg": "oga",
    }
    return known.get(mime, "bin")
