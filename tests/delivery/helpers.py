"""Helpers for the delivery tests: a media host standing in for KIE's CDN, KIE results.

A plain module rather than conftest.py, so test files can import it by name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from kiebot.delivery import Limit, PacingLimits
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import TelegramSimConfig

KIE_KEY = "sim-key"
CHUNK = 64 * 1024

# Every server-side slow-down off; flood limits generous, so that tests not about flood
# control are not slowed by it (the flood tests set their own).
FAST_SIM_KNOBS: dict[str, Any] = {
    "repeat_poll_min_timeout": 0.0,
    "conflict_repeat_delay": 0.0,
    "set_webhook_interval": 0.0,
    "global_rate": 300.0,
    "global_burst": 100.0,
    "per_chat_rate": 50.0,
    "per_chat_burst": 10.0,
    "group_rate": 50.0,
    "group_burst": 10.0,
}
# Under the generous limits above, with the same margins as the defaults.
FAST_PACING = PacingLimits(
    overall=Limit(rate=250.0, burst=80.0),
    chat=Limit(rate=40.0, burst=8.0),
    group=Limit(rate=40.0, burst=8.0),
)


def fast_sim_config(**overrides: Any) -> TelegramSimConfig:
    return TelegramSimConfig(**{**FAST_SIM_KNOBS, **overrides})


@dataclass
class Body:
    """What one path answers: a status, a content type, and bytes made on the fly.

    `size` bytes are streamed as `head` then copies of one reused filler chunk, so even a
    60 MB body never exists in memory. `declare` sends Content-Length (else chunked).
    """

    size: int
    content_type: str
    head: bytes = b""
    data: bytes | None = None
    status: int = 200
    declare: bool = True


@dataclass
class MediaHost:
    """A loopback HTTP server like the CDN behind result URLs, counting what it serves."""

    url: str = ""
    bodies: dict[str, Body] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)  # statuses to answer first
    hits: Counter[str] = field(default_factory=Counter)
    bytes_sent: Counter[str] = field(default_factory=Counter)

    def add(self, path: str, data: bytes, content_type: str) -> str:
        self.bodies[path] = Body(len(data), content_type, data=data)
        return self.url + path

    def add_stream(
        self,
        path: str,
        size: int,
        content_type: str,
        *,
        head: bytes = b"",
        declare: bool = True,
    ) -> str:
        self.bodies[path] = Body(size, content_type, head=head, declare=declare)
        return self.url + path

    def fail_first(self, path: str, *statuses: int) -> None:
        self.failures[path] = list(statuses)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        pending = self.failures.get(path)
        if pending:
            return web.Response(status=pending.pop(0), text="try later")
        body = self.bodies.get(path)
        if body is None:
            return web.Response(status=404, text="gone")
        if body.data is not None:
            self.bytes_sent[path] += len(body.data)
            return web.Response(body=body.data, content_type=body.content_type)
        return await self._stream(request, path, body)

    async def _stream(self, request: web.Request, path: str, body: Body) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = body.content_type
        if body.declare:
            response.content_length = body.size
        await response.prepare(request)
        filler = bytes(CHUNK)
        try:
            await response.write(body.head)
            left = body.size - len(body.head)
            while left > 0:
                piece = filler if left >= CHUNK else filler[:left]
                await response.write(piece)
                self.bytes_sent[path] += len(piece)
                left -= len(piece)
            await response.write_eof()
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            pass  # the client stopped reading: exactly what a refused or skipped body does
        return response


async def start_media_host() -> tuple[MediaHost, web.AppRunner]:
    host = MediaHost()
    app = web.Application()
    app.router.add_get("/{tail:.*}", host.serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    return host, runner


async def kie_result(
    http: aiohttp.ClientSession, kie: KieSimulator, model: str, task_input: dict[str, Any]
) -> str:
    """A finished KIE task's result URL, taken from recordInfo as the bot would."""
    headers = {"Authorization": f"Bearer {KIE_KEY}"}
    body = {"model": model, "input": task_input}
    async with http.post(
        f"{kie.url}/api/v1/jobs/createTask", json=body, headers=headers
    ) as response:
        task_id = str((await response.json())["data"]["taskId"])
    kie.finish_now(task_id)
    params = {"taskId": task_id}
    async with http.get(
        f"{kie.url}/api/v1/jobs/recordInfo", params=params, headers=headers
    ) as response:
        record = (await response.json())["data"]
    return str(orjson.loads(record["resultJson"])["resultUrls"][0])
