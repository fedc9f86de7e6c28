"""Header parsing: the facts Telegram reads from images and videos."""

from __future__ import annotations

import struct

from kiebot.sim.telegram.media import (
    image_size,
    mp4_info,
    photo_dimensions_valid,
    photo_ladder,
    sniff_mime,
)

from .conftest import jpeg_header, mp4, png


def test_image_sizes() -> None:
    assert image_size(png(123, 45)) == (123, 45)
    assert image_size(jpeg_header(1920, 1080)) == (1920, 1080)
    assert image_size(b"GIF89a" + struct.pack("<HH", 30, 20) + bytes(10)) == (30, 20)
    vp8x = b"RIFF" + bytes(4) + b"WEBPVP8X" + bytes(8) + (639).to_bytes(3, "little")
    assert image_size(vp8x + (479).to_bytes(3, "little")) == (640, 480)
    assert image_size(b"%PDF-1.4") is None


def test_photo_dimension_rules() -> None:
    assert photo_dimensions_valid(5000, 5000)
    assert not photo_dimensions_valid(5001, 5000)
    assert photo_dimensions_valid(2000, 100)
    assert not photo_dimensions_valid(2001, 100)


def test_photo_ladder_caps_at_2560() -> None:
    assert photo_ladder(4000, 2000) == [
        (90, 45),
        (320, 160),
        (800, 400),
        (1280, 640),
        (2560, 1280),
    ]
    assert photo_ladder(50, 40) == [(50, 40), (50, 40)]


def test_mp4_header() -> None:
    info = mp4_info(mp4(1080, 1920, 8))
    assert info is not None
    assert (info.width, info.height, info.duration) == (1080, 1920, 8)
    assert mp4_info(b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00") is None


def test_sniffing() -> None:
    assert sniff_mime(png(1, 1)) == "image/png"
    assert sniff_mime(mp4(1, 1, 1)) == "video/mp4"
    assert sniff_mime(b"%PDF-1.7") == "application/pdf"
    assert sniff_mime(b"???", "notes.txt") == "text/plain"
