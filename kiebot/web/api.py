"""The admin JSON API. Thin handlers: validate, call one service, render."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from kiebot.billing import InsufficientBalance
from kiebot.web.auth import require_admin
from kiebot.web.keys import BILLING

MAX_REASON = 500
MAX_AMOUNT = 10_000_000


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(message: str, status: int) -> web.Response:
    return _json({"error": message}, status)


def _user_id(request: web.Request) -> int:
    raw = request.match_info["telegram_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise web.HTTPNotFound(text='{"error": "no such user"}', content_type="application/json")
    return int(raw)


async def get_user(request: web.Request) -> web.Response:
    require_admin(request)
    account = await request.app[BILLING].account(_user_id(request))
    if account is None:
        return _error("no such user", 404)
    return _json(account.as_dict())


async def post_credits(request: web.Request) -> web.Response:
    require_admin(request)
    user_id = _user_id(request)
    body = await _read_body(request)
    if isinstance(body, web.Response):
        return body
    amount, reason = body
    try:
        balance = await request.app[BILLING].adjust(
            user_id, amount, reason=reason, actor="admin-api"
        )
    except InsufficientBalance as exc:
        return _error(f"the balance is {exc.balance}; a deduction cannot take it below 0", 409)
    return _json({"balance": balance})


async def _read_body(request: web.Request) -> tuple[int, str] | web.Response:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return _error("the body is not JSON", 400)
    if not isinstance(body, dict):
        return _error('expected {"amount": int, "reason": str}', 400)
    amount, reason = body.get("amount"), body.get("reason")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        return _error("amount must be a non-zero whole number", 400)
    if abs(amount) > MAX_AMOUNT:
        return _error(f"amount must be at most {MAX_AMOUNT} either way", 400)
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        return _error(f"reason must be a non-empty string of at most {MAX_REASON} characters", 400)
    return amount, reason.strip()
