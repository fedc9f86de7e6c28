"""Fixtures: a started simulator, an aiogram Bot pointed at it, small real media, and tiny
HTTP servers (a file host and a webhook receiver) on loopback port 0."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from kiebot.sim.telegram import SimUser, TelegramSimConfig, TelegramSimulator

BIG_ID = 2**32 + 1234567


def fast_config(**overrides: Any) -> TelegramSimConfig:
    """Real limits, but none of the server's deliberate slow-downs, so tests stay fast."""
    knobs: dict[str, Any] = {
        "repeat_poll_min_timeout": 0.0,
        "conflict_repeat_delay": 0.0,
        "set_webhook_interval": 0.0,
        "webhook_retry_initial": 0.01,
        "webhook_retry_max": 0.05,
    }
    knobs.update(overrides)
    return TelegramSimConfig(**knobs)


@pytest.fixture
async def sim() -> AsyncIterator[TelegramSimulator]:
    simulator = TelegramSimulator(fast_config())
    await simulator.start()
    yield simulator
    await simulator.close()


def aiogram_bot(sim: TelegramSimulator, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sim.url))
    return Bot(token or sim.token, session=session)


@pytest.fixture
async def bot(sim: TelegramSimulator) -> AsyncIterator[Bot]:
    client = aiogram_bot(sim)
    yield client
    await client.session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def user() -> SimUser:
    return SimUser(id=BIG_ID, first_name="Anna", username="anna_k", language_code="ru")


async def api(
    http: aiohttp.ClientSession,
    sim: TelegramSimulator,
    method: str,
    token: str | None = None,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    """A raw Bot API call with a JSON body: (HTTP status, decoded answer)."""
    url = f"{sim.url}/bot{token or sim.token}/{method}"
    async with http.post(url, json=params) as response:
        return response.status, await response.json()


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A genuine, decodable PNG."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """The start of a baseline JPEG (SOI, APP0, SOF0): what a header parser reads."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def mp4(width: int, height: int, seconds: int) -> bytes:
    """An MP4 skeleton: ftyp, and a moov with mvhd and one trak/tkhd."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    mvhd = box(b"mvhd", bytes(4) + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + bytes(80))
    tkhd_payload = bytes(4) + bytes(72) + struct.pack(">II", width << 16, height << 16)
    trak = box(b"trak", box(b"tkhd", tkhd_payload))
    return box(b"ftyp", b"isom\x00\x00\x02\x00isomavc1") + box(b"moov", mvhd + trak)


@dataclass
class FileHost:
    """A loopback HTTP server serving fixed bodies, like the CDN a result URL points at."""

    url: str = ""
    routes: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)

    def add(self, path: str, body: bytes, content_type: str, status: int = 200) -> str:
        self.routes[path] = (status, body, content_type)
        return f"{self.url}{path}"


@pytest.fixture
async def file_host() -> AsyncIterator[FileHost]:
    host = FileHost()

    async def serve(request: web.Request) -> web.Response:
        status, body, content_type = host.routes.get(request.path, (404, b"nope", "text/plain"))
        return web.Response(status=status, body=body, content_type=content_type)

    app = web.Application()
    app.router.add_get("/{tail:.*}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    host.url = f"http://127.0.0.1:{port}"
    yield host
    await runner.cleanup()


@dataclass
class WebhookReceiver:
    """A loopback webhook endpoint that records every POST and can fail the first few."""

    url: str = ""
    fail_first: int = 0
    reply: dict[str, Any] = field(default_factory=dict)
    received: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    attempts: int = 0
    arrived: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()

    async def handle(request: web.Request) -> web.Response:
        hook.attempts += 1
        if hook.attempts <= hook.fail_first:
            return web.Response(status=500, text="boom")
        body = await request.json()
        hook.received.append((dict(request.headers), body))
        hook.arrived.put_nowait(body)
        return web.json_response(hook.reply)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield hook
    await runner.cleanup()
