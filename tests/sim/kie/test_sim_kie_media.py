"""Result media: real PNGs and MP4-typed videos served at the result URLs."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

from kiebot.sim.kie import KieSimulator
from kiebot.sim.media import mp4_bytes, png_bytes, png_size, sniff_mime
from tests.sim.kie.kie_sim_helpers import Kie

VIDEO = {"prompt": "waves", "sound": False, "aspect_ratio": "16:9", "duration": "5"}


def check_png(data: bytes) -> tuple[int, int]:
    """Walk the chunks: signature, IHDR first, CRCs right, IDAT inflates to the image."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, idat = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        payload = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF
        chunks.append(kind)
        if kind == b"IDAT":
            idat += payload
        pos += 12 + length
    assert chunks[0] == b"IHDR"
    assert chunks[-1] == b"IEND"
    width, height = png_size(data)
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
    return width, height


async def result_url(kie: Kie, sim: KieSimulator, model: str = "z-image", body=None) -> str:  # type: ignore[no-untyped-def]
    task_id = await kie.task_id(model, body)
    sim.advance(10.0)
    record = (await kie.record(task_id)).data
    return str(json.loads(record["resultJson"])["resultUrls"][0])


async def test_image_result_is_a_valid_png(kie: Kie, sim: KieSimulator) -> None:
    url = await result_url(kie, sim)
    async with kie.session.get(url) as resp:
        assert resp.status == 200
        assert resp.content_type == "image/png"
        data = await resp.read()
    assert check_png(data) == (256, 256)
    assert sim.stats.media_served == 1


async def test_image_size_knob_gives_big_files(kie: Kie, sim: KieSimulator) -> None:
    sim.config.result_image_px = 1024
    sim.config.result_image_noise = True
    url = await result_url(kie, sim)
    async with kie.session.get(url) as resp:
        data = await resp.read()
    assert check_png(data) == (1024, 1024)
    assert len(data) > 3 * 1024 * 1024


async def test_video_result_is_typed_mp4(kie: Kie, sim: KieSimulator) -> None:
    url = await result_url(kie, sim, "kling-2.6/text-to-video", VIDEO)
    assert url.endswith(".mp4")
    async with kie.session.get(url) as resp:
        assert resp.content_type == "video/mp4"
        data = await resp.read()
    assert data[4:8] == b"ftyp"
    assert len(data) == sim.config.result_video_bytes
    async with kie.session.get(url, headers={"Range": "bytes=100-199"}) as resp:
        assert resp.status == 206
        assert await resp.read() == data[100:200]


async def test_media_only_for_finished_tasks_and_until_expiry(kie: Kie, sim: KieSimulator) -> None:
    task_id = await kie.task_id()
    async with kie.session.get(f"{sim.url}/media/{task_id}.png") as resp:
        assert resp.status == 404
    sim.advance(10.0)
    async with kie.session.get(f"{sim.url}/media/{task_id}.png") as resp:
        assert resp.status == 200
    async with kie.session.get(f"{sim.url}/media/{task_id}.mp4") as resp:
        assert resp.status == 404
    sim.advance(24 * 3600 + 1)
    async with kie.session.get(f"{sim.url}/media/{task_id}.png") as resp:
        assert resp.status == 404


def test_media_builders() -> None:
    png = png_bytes(3, 2, (1, 2, 3))
    assert check_png(png) == (3, 2)
    assert sniff_mime(png) == "image/png"
    assert png_bytes(8, 8, noise_seed="a") == png_bytes(8, 8, noise_seed="a")
    video = mp4_bytes(1000, "t")
    assert len(video) == 1000
    assert sniff_mime(video) == "video/mp4"
    assert sniff_mime(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a")
