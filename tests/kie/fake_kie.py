"""A scripted stand-in for KIE over real HTTP, for the client's unit tests.

Each test queues the replies it wants per path; anything unscripted gets a plain success.
Every request is recorded (method, path, query, headers, body or multipart fields), so a
test can count calls and see exactly what the client sent. The integration tests use the
full simulator in `kiebot.sim.kie` instead; this fake exists to aim one precise reply.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

CREATE = "/api/v1/jobs/createTask"
RECORD = "/api/v1/jobs/recordInfo"
CREDIT = "/api/v1/chat/credit"
UPLOAD = "/api/file-stream-upload"
VEO_CREATE = "/api/v1/veo/generate"
VEO_RECORD = "/api/v1/veo/record-info"


@dataclass
class Reply:
    """One scripted answer. `drop` closes the connection instead of answering."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    content_type: str = "application/json"
    delay_s: float = 0.0
    drop: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def envelope(code: int, data: Any = None, *, text_field: str = "msg", text: str = "x") -> Reply:
    """A KIE envelope at HTTP 200 (KIE's usual way to report an error)."""
    return Reply(json={"code": code, text_field: text, "data": data})


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    time: float
    json: Any = None
    fields: dict[str, str] = field(default_factory=dict)
    file: bytes | None = None
    file_name: str | None = None
    file_type: str | None = None


def _default(path: str) -> Reply:
    if path in (CREATE, VEO_CREATE):
        return envelope(200, {"taskId": "task_default"})
    if path == CREDIT:
        return envelope(200, 100)
    if path == UPLOAD:
        return Reply(
            json={
                "success": True,
                "code": 200,
                "msg": "ok",
                "data": {"downloadUrl": "https://files.example/f.png", "fileSize": 1},
            }
        )
    return envelope(200, {"taskId": "task_default", "state": "waiting"})


class FakeKie:
    def __init__(self) -> None:
        self.scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self.seen: list[Seen] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    def script(self, path: str, *replies: Reply) -> None:
        self.scripts[path].extend(replies)

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        seen = Seen(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            asyncio.get_running_loop().time(),
        )
        self.seen.append(seen)
        await self._read_body(request, seen)
        queue = self.scripts[request.path]
        reply = queue.popleft() if queue else _default(request.path)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.drop:
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        body = reply.body if reply.json is None else orjson.dumps(reply.json)
        return web.Response(
            status=reply.status, body=body, content_type=reply.content_type, headers=reply.headers
        )

    async def _read_body(self, request: web.Request, seen: Seen) -> None:
        if request.content_type == "application/json":
            seen.json = orjson.loads(await request.read())
        elif request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.name == "file":
                    seen.file = bytes(await part.read())
                    seen.file_name = part.filename
                    seen.file_type = part.headers.get("Content-Type")
                elif part.name:
                    seen.fields[part.name] = await part.text()
