"""The admin console's data as JSON, for scripts: the same dicts the pages render.

Bearer token (or the browser's session cookie with the `X-CSRF-Token` header for a POST).
Errors are `{"error": ...}` with 400 (malformed), 404 (unknown), 409 (refused as things
stand: not cancellable, insufficient balance, queue full).
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from kiebot.catalog.errors import UnknownModel
from kiebot.jobs import JobError, JobNotFound
from kiebot.web import forms, queries
from kiebot.web.auth import require_admin
from kiebot.web.forms import BadInput
from kiebot.web.keys import BILLING, CONSOLE
from kiebot.web.overview import overview_of


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(message: str, status: int) -> web.Response:
    return _json({"error": message}, status)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.read() or b"{}")
    except orjson.JSONDecodeError:
        raise BadInput("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


async def get_overview(request: web.Request) -> web.Response:
    require_admin(request)
    return _json(await overview_of(request.app))


async def get_jobs(request: web.Request) -> web.Response:
    require_admin(request)
    try:
        wanted = forms.job_filter(request.query)
    except BadInput as exc:
        return _error(str(exc), 400)
    found = await queries.list_jobs(request.app[CONSOLE], wanted)
    return _json({"filter": wanted.as_dict(), "jobs": [queries.job_dict(j) for j in found]})


async def get_job(request: web.Request) -> web.Response:
    require_admin(request)
    found = await request.app[CONSOLE].store.get(request.match_info["job_id"])
    if found is None:
        return _error("no such job", 404)
    return _json(queries.job_dict(found))


async def post_cancel(request: web.Request) -> web.Response:
    require_admin(request)
    try:
        job_id = forms.job_id(request.match_info["job_id"])
        cancelled = await request.app[CONSOLE].jobs.cancel_by_operator(job_id)
    except BadInput as exc:
        return _error(str(exc), 400)
    except JobNotFound:
        return _error("no such job", 404)
    except JobError as exc:
        return _error(str(exc), 409)
    return _json(queries.job_dict(cancelled))


async def post_retry(request: web.Request) -> web.Response:
    """Body `{"op": "<8-64 chars>"}`: the same op submits once however often it is sent."""
    require_admin(request)
    try:
        job_id = forms.job_id(request.match_info["job_id"])
        op = forms.op_key((await _body(request)).get("op"))
        if op is None:
            raise BadInput('"op" is required: it makes a repeated request submit once')
        new = await request.app[CONSOLE].jobs.retry(job_id, op_key=op)
    except BadInput as exc:
        return _error(str(exc), 400)
    except JobNotFound:
        return _error("no such job", 404)
    except JobError as exc:
        return _error(str(exc), 409)
    return _json(queries.job_dict(new))


async def find_user(request: web.Request) -> web.Response:
    """`?q=` a Telegram id or a username: the user's account, ledger and jobs."""
    require_admin(request)
    console = request.app[CONSOLE]
    user_id = await queries.find_user(console, request.query.get("q", ""))
    details = None
    if user_id is not None:
        details = await queries.user_details(console, request.app[BILLING], user_id)
    if details is None:
        return _error("no such user", 404)
    return _json(details)


async def post_ban(request: web.Request) -> web.Response:
    """Body `{"banned": true|false}`."""
    require_admin(request)
    try:
        user_id = forms.user_id(request.match_info["telegram_id"])
        banned = forms.flag((await _body(request)).get("banned"))
    except BadInput as exc:
        return _error(str(exc), 400)
    await request.app[BILLING].set_banned(user_id, banned)
    return _json({"user_id": user_id, "banned": banned})


async def get_models(request: web.Request) -> web.Response:
    require_admin(request)
    return _json({"models": await queries.models(request.app[CONSOLE])})


async def post_model(request: web.Request) -> web.Response:
    """Body `{"enabled": true|false}`."""
    require_admin(request)
    model = request.match_info["model"]
    try:
        enabled = forms.flag((await _body(request)).get("enabled"))
        await request.app[CONSOLE].switches.set_enabled(model, enabled)
    except BadInput as exc:
        return _error(str(exc), 400)
    except UnknownModel:
        return _error("no such model", 404)
    return _json({"model": model, "enabled": enabled})


async def get_errors(request: web.Request) -> web.Response:
    require_admin(request)
    return _json({"errors": await queries.errors(request.app[CONSOLE])})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/overview", get_overview)
    r.add_get("/api/jobs", get_jobs)
    r.add_get("/api/jobs/{job_id}", get_job)
    r.add_post("/api/jobs/{job_id}/cancel", post_cancel)
    r.add_post("/api/jobs/{job_id}/retry", post_retry)
    r.add_get("/api/users", find_user)
    r.add_post("/api/users/{telegram_id}/ban", post_ban)
    r.add_get("/api/models", get_models)
    r.add_post("/api/models/{model}", post_model)
    r.add_get("/api/errors", get_errors)
