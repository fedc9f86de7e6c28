"""Real, small media files for the simulators: PNG images, MP4-looking videos, type sniffing.

The simulators hand out result URLs that the bot downloads and sends to Telegram, so the
bytes behind them must be genuine: a PNG a decoder accepts (signature, IHDR, IDAT, IEND
with correct CRCs), and a video that starts with an ISO-BMFF `ftyp` box so anything that
sniffs types calls it `video/mp4`. Everything is built with `zlib` and `struct` only, so
this module has no dependencies and imports nothing from kiebot.

Building is CPU work proportional to the size asked for; callers on an event loop should
run the big ones in an executor.
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOR_TYPE_RGB = 2
_PNG_BIT_DEPTH = 8
_MP4_BRANDS = (b"isom", b"iso2", b"avc1", b"mp41")


def color_for(text: str) -> tuple[int, int, int]:
    """A stable, fairly saturated RGB colour derived from `text` (a task id, say).

    Stable so that the same task always yields the same picture, which lets a test or a
    person tell two results apart at a glance.
    """
    digest = hashlib.sha256(text.encode()).digest()
    r, g, b = digest[0], digest[1], digest[2]
    # Push one channel up and one down so the colour is never a muddy grey.
    return (r | 0x80, g, b & 0x7F)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC32 over type and data."""
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _row(width: int, y: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """One scanline of a vertical gradient: the colour fades towards black downwards.

    Whole rows are built by repeating one pixel, which keeps even a 4096-pixel-wide image
    cheap to generate in pure Python.
    """
    shade = 255 - (y * 160) // max(height - 1, 1)
    pixel = bytes((c * shade) // 255 for c in rgb)
    return pixel * width


def png_bytes(
    width: int = 256,
    height: int = 256,
    rgb: tuple[int, int, int] = (200, 80, 40),
    *,
    noise_seed: str | None = None,
    level: int = 6,
) -> bytes:
    """A valid truecolour PNG of `width` x `height`.

    Without `noise_seed` the image is a gradient of `rgb` and compresses to a few KB.
    With it, every row is seeded random bytes, so the file stays about
    `width * height * 3` bytes after compression: the way to get a big file for tests of
    size limits and streaming.
    """
    if width < 1 or height < 1:
        raise ValueError("png dimensions must be positive")
    header = struct.pack(">IIBBBBB", width, height, _PNG_BIT_DEPTH, _PNG_COLOR_TYPE_RGB, 0, 0, 0)
    noise = random.Random(noise_seed) if noise_seed is not None else None
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type None for this scanline
        raw += noise.randbytes(width * 3) if noise else _row(width, y, height, rgb)
    idat = zlib.compress(bytes(raw), level)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR; raises ValueError if `data` is not a PNG."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _box(kind: bytes, payload: bytes) -> bytes:
    """One ISO-BMFF box: 32-bit size (header included), four-letter type, payload."""
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes(size: int = 64 * 1024, seed: str = "") -> bytes:
    """Bytes that look like an MP4 to anything that sniffs: `ftyp`, `free`, then `mdat`.

    Not playable (there is no `moov`), which is fine for a simulator: Telegram's simulator
    and the bot only check the type and stream the bytes. `size` is the total length;
    the `mdat` payload is seeded filler so two tasks never produce identical files.
    """
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"".join(_MP4_BRANDS))
    free = _box(b"free", b"kiebot-sim")
    filler_len = max(size - len(ftyp) - len(free) - 8, 0)
    filler = random.Random(seed).randbytes(filler_len)
    return ftyp + free + _box(b"mdat", filler)


def sniff_mime(data: bytes) -> str:
    """The media type of `data` from its magic bytes, as an upload service would detect it.

    Trusting the client's declared type is exactly the mistake a simulator must not make.
    """
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return "application/octet-stream"


EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "application/octet-stream": "bin",
}
