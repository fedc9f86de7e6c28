"""The simulator's HTTP face: KIE's API routes, the file and media hosts, /_sim/ control.

Every API route goes through one gate (`_serve`): meters and injected faults first, then
authentication and the per-key limits, then the endpoint's own work in the simulator,
then one rendering step that applies the envelope knobs. Handlers only parse HTTP; the
rules live in `KieSimulator`.

Paths mirror KIE's, and the same server is both the API base and the upload base, so a
client configured with two base URLs can point both here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Handler

from kiebot.sim.kie.control import add_control_routes
from kiebot.sim.kie.replies import Reply, error, render
from kiebot.sim.kie.simulator import KieSimulator, parse_json_object
from kiebot.sim.kie.uploads import (
    clean_file_name,
    clean_upload_path,
    decode_base64_data,
    read_capped,
)

SIM_APP_KEY: web.AppKey[KieSimulator] = web.AppKey("kie_simulator", KieSimulator)

Action = Callable[[str, web.Request], Awaitable[Reply]]

_CHUNK = 64 * 1024
_MIN_BODY_LIMIT = 64 * 1024 * 1024


def bearer_key(request: web.Request) -> str | None:
    """The API key from `Authorization: Bearer <key>`, or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def parse_range(header: str, total: int) -> tuple[int, int] | bool | None:
    """One byte range of `total` bytes as (first, last); False if unsatisfiable.

    None means "ignore the header and send everything", which RFC 9110 allows for ranges
    a server does not support (several ranges, other units, malformed).
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_s, _, last_s = spec.strip().partition("-")
    try:
        if not first_s:
            suffix = int(last_s)
            return (max(total - suffix, 0), total - 1) if suffix > 0 and total else False
        first = int(first_s)
        last = int(last_s) if last_s else total - 1
    except ValueError:
        return None
    if first >= total or last < first:
        return False
    return first, min(last, total - 1)


async def serve_bytes(request: web.Request, data: bytes, content_type: str) -> web.StreamResponse:
    """Stream `data` in chunks, honouring a single-range `Range` header (206 / 416)."""
    total = len(data)
    first, last, status = 0, total - 1, 200
    header = request.headers.get("Range")
    wanted = parse_range(header, total) if header else None
    if wanted is False:
        return web.Response(status=416, headers={"Content-Range": f"bytes */{total}"})
    if isinstance(wanted, tuple):
        (first, last), status = wanted, 206
    resp = web.StreamResponse(status=status, headers={"Accept-Ranges": "bytes"})
    resp.content_type = content_type
    resp.content_length = max(last - first + 1, 0)
    if status == 206:
        resp.headers["Content-Range"] = f"bytes {first}-{last}/{total}"
    await resp.prepare(request)
    if request.method != "HEAD":
        view = memoryview(data)[first : last + 1]
        for offset in range(0, len(view), _CHUNK):
            await resp.write(view[offset : offset + _CHUNK])
    await resp.write_eof()
    return resp


@web.middleware
async def kie_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown routes, wrong methods, oversized bodies: KIE-style JSON, not HTML."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        body = {"code": exc.status, "msg": exc.reason, "data": None}
        return web.json_response(body, status=exc.status, headers=headers)


async def _part_chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(_CHUNK):
        yield chunk


class _KieRoutes:
    """Request handlers bound to one simulator."""

    def __init__(self, sim: KieSimulator) -> None:
        self.sim = sim

    async def _serve(
        self, request: web.Request, endpoint: str, action: Action, *, upload: bool = False
    ) -> web.Response:
        key = bearer_key(request)
        reply = self.sim.admit(key, endpoint)
        if reply is None and key is not None:
            reply = await action(key, request)
        reply = reply or error(401)
        self.sim.stats.record_answer(self.sim.known_key(key), endpoint, reply.code)
        cfg = self.sim.config
        return render(
            reply,
            style=cfg.error_http_status,
            message_key=cfg.message_key,
            rng=self.sim.reply_rng,
            upload=upload,
        )

    # ---- market API

    async def create_task(self, request: web.Request) -> web.Response:
        return await self._serve(request, "createTask", self._create_task)

    async def _create_task(self, key: str, request: web.Request) -> Reply:
        raw = await request.read()
        return await self.sim.create_task(key, raw, self.sim.base_url_for(request))

    async def record_info(self, request: web.Request) -> web.Response:
        async def action(key: str, req: web.Request) -> Reply:
            return self.sim.record_info(key, req.query.get("taskId"))

        return await self._serve(request, "recordInfo", action)

    # ---- Veo 3.1 (its own endpoints and shapes)

    async def veo_generate(self, request: web.Request) -> web.Response:
        async def action(key: str, req: web.Request) -> Reply:
            return await self.sim.veo_generate(key, await req.read(), self.sim.base_url_for(req))

        return await self._serve(request, "veo/generate", action)

    async def veo_record_info(self, request: web.Request) -> web.Response:
        async def action(key: str, req: web.Request) -> Reply:
            return self.sim.veo_record_info(key, req.query.get("taskId"))

        return await self._serve(request, "veo/record-info", action)

    async def credit(self, request: web.Request) -> web.Response:
        async def action(key: str, req: web.Request) -> Reply:
            return self.sim.credit(key)

        return await self._serve(request, "credit", action)

    # ---- uploads

    async def stream_upload(self, request: web.Request) -> web.Response:
        return await self._serve(request, "file-stream-upload", self._stream_upload, upload=True)

    async def _read_multipart(self, request: web.Request) -> tuple[dict[str, str], bytes, int]:
        fields: dict[str, str] = {}
        data, size = b"", -1
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "file":
                data, size = await read_capped(_part_chunks(part), self.sim.config.upload_max_bytes)
            elif part.name:
                fields[part.name] = (await part.text())[:4096]
        return fields, data, size

    async def _stream_upload(self, key: str, request: web.Request) -> Reply:
        if not request.content_type.startswith("multipart/"):
            return error(400, "Content-Type must be multipart/form-data")
        try:
            fields, data, size = await self._read_multipart(request)
        except (ValueError, aiohttp.ClientError):
            return error(400, "Malformed multipart body")
        if size < 0:
            return error(400, "Missing required parameter: file")
        upload_path = clean_upload_path(fields.get("uploadPath"))
        if upload_path is None:
            return error(400, "Missing required parameter: uploadPath")
        # KIE's docs: without fileName a random name is generated (the part's own
        # filename is not used).
        name = clean_file_name(fields.get("fileName"))
        base = self.sim.base_url_for(request)
        return self.sim.store_upload(key, data, size, upload_path, name, base)

    async def url_upload(self, request: web.Request) -> web.Response:
        return await self._serve(request, "file-url-upload", self._url_upload, upload=True)

    async def _url_upload(self, key: str, request: web.Request) -> Reply:
        body = parse_json_object(await request.read())
        if body is None:
            return error(400, "Invalid request body: a JSON object is required")
        leak = self.sim.telegram_guard(key, body, "", code=400)
        if leak is not None:
            return leak
        file_url = body.get("fileUrl")
        if not isinstance(file_url, str) or urlsplit(file_url).scheme not in ("http", "https"):
            return error(400, "Missing required parameter: fileUrl")
        upload_path = clean_upload_path(body.get("uploadPath"))
        if upload_path is None:
            return error(400, "Missing required parameter: uploadPath")
        cfg = self.sim.config
        fetched = await self.sim.fetch(file_url, cfg.upload_url_timeout_s, cfg.upload_max_bytes)
        if isinstance(fetched, str):
            return error(400, f"Failed to download file from URL: {fetched}")
        name = clean_file_name(body.get("fileName")) or clean_file_name(
            unquote(urlsplit(file_url).path)
        )
        data, size = fetched
        base = self.sim.base_url_for(request)
        return self.sim.store_upload(key, data, size, upload_path, name, base)

    async def base64_upload(self, request: web.Request) -> web.Response:
        return await self._serve(request, "file-base64-upload", self._base64_upload, upload=True)

    async def _base64_upload(self, key: str, request: web.Request) -> Reply:
        body = parse_json_object(await request.read())
        if body is None:
            return error(400, "Invalid request body: a JSON object is required")
        raw = body.get("base64Data")
        if not isinstance(raw, str) or not raw:
            return error(400, "Missing required parameter: base64Data")
        upload_path = clean_upload_path(body.get("uploadPath"))
        if upload_path is None:
            return error(400, "Missing required parameter: uploadPath")
        try:
            data = decode_base64_data(raw)
        except ValueError as exc:
            return error(400, str(exc))
        name = clean_file_name(body.get("fileName"))
        base = self.sim.base_url_for(request)
        return self.sim.store_upload(key, data, len(data), upload_path, name, base)

    # ---- public file hosts (no auth, like a CDN)

    async def files(self, request: web.Request) -> web.StreamResponse:
        item = self.sim.stored_file(request.match_info["path"])
        if item is None:
            raise web.HTTPNotFound(reason="File not found")
        self.sim.stats.files_served += 1
        return await serve_bytes(request, item.data, item.mime)

    async def media(self, request: web.Request) -> web.StreamResponse:
        found = await self.sim.media(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound(reason="File not found")
        data, mime = found
        return await serve_bytes(request, data, mime)


def create_app(sim: KieSimulator) -> web.Application:
    """The aiohttp application serving `sim`; its startup/cleanup open and close the
    simulator's resources, so it can also be mounted in someone else's runner."""
    limit = max(_MIN_BODY_LIMIT, 2 * sim.config.upload_max_bytes)
    app = web.Application(client_max_size=limit, middlewares=[kie_errors])
    app[SIM_APP_KEY] = sim
    routes = _KieRoutes(sim)
    app.router.add_post("/api/v1/jobs/createTask", routes.create_task)
    app.router.add_get("/api/v1/jobs/recordInfo", routes.record_info)
    app.router.add_post("/api/v1/veo/generate", routes.veo_generate)
    app.router.add_get("/api/v1/veo/record-info", routes.veo_record_info)
    app.router.add_get("/api/v1/chat/credit", routes.credit)
    app.router.add_post("/api/file-stream-upload", routes.stream_upload)
    app.router.add_post("/api/file-url-upload", routes.url_upload)
    app.router.add_post("/api/file-base64-upload", routes.base64_upload)
    app.router.add_get("/files/{path:.+}", routes.files)
    app.router.add_get("/media/{name}", routes.media)
    add_control_routes(app, sim)

    async def resources(_: web.Application) -> AsyncIterator[None]:
        await sim.open_resources()
        yield
        await sim.close_resources()

    app.cleanup_ctx.append(resources)
    return app
