"""The HTTP face of the simulator: Bot API routes, file downloads, and the control API.

`/bot{token}/{method}` accepts GET and POST with parameters in any of the four encodings
the Bot API accepts and answers `{"ok": true, "result": ...}` or the refusal with its
HTTP status. `/file/bot{token}/{file_path}` serves stored files. `/_sim/...` is the
control API (see `control.py`).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from kiebot.sim.telegram.config import MB
from kiebot.sim.telegram.control import add_control_routes
from kiebot.sim.telegram.core import SimCore
from kiebot.sim.telegram.errors import ApiError, not_found, too_large
from kiebot.sim.telegram.params import read_params

CORE_KEY = web.AppKey("telegram_sim_core", SimCore)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def api_error_response(core: SimCore, exc: ApiError) -> web.Response:
    core.stats.errors[exc.description] += 1
    return web.json_response(exc.payload(), status=exc.status, dumps=dumps)


async def handle_method(request: web.Request) -> web.Response:
    """One Bot API call: authenticate, read parameters, dispatch, answer."""
    core = request.app[CORE_KEY]
    if core.dispatcher is None:
        msg = "the simulator has no dispatcher"
        raise RuntimeError(msg)
    try:
        bot = core.bot(request.match_info["token"])
        try:
            params = await read_params(request, core.config.file_upload_max)
        except web.HTTPRequestEntityTooLarge:
            raise too_large() from None
        answer = await core.dispatcher(bot, request.match_info["method"], params)
    except ApiError as exc:
        return api_error_response(core, exc)
    return web.json_response(answer.payload(), dumps=dumps)


async def handle_file(request: web.Request) -> web.StreamResponse:
    """A stored file by the path getFile gave; 404 for anything else."""
    core = request.app[CORE_KEY]
    bot = core.bots.get(request.match_info["token"])
    record = None if bot is None else bot.files.by_path.get(request.match_info["path"])
    if record is None or record.size > core.config.download_max:
        return api_error_response(core, not_found())
    return web.Response(body=record.blob.data, content_type=record.mime_type)


def build_app(core: SimCore) -> web.Application:
    app = web.Application(client_max_size=core.config.file_upload_max + MB)
    app[CORE_KEY] = core
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
    add_control_routes(app, core)
    return app
