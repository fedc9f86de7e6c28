"""The admin JSON API. Thin handlers: validate, call one service, render."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from kiebot.billing import InsufficientBalance
from kiebot.web import forms
from kiebot.web.auth import require_admin
from kiebot.web.keys import BILLING


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
    """Body `{"amount": int, "reason": str}`, optionally `"op"`: a key that makes a
    repeated request apply once (without it, every request applies)."""
    require_admin(request)
    user_id = _user_id(request)
    try:
        body = orjson.loads(await request.read())
        if not isinstance(body, dict):
            raise forms.BadInput('expected {"amount": int, "reason": str}')
        amount, reason = forms.adjustment(body.get("amount"), body.get("reason"))
        op = forms.op_key(body.get("op"))
    except orjson.JSONDecodeError:
        return _error("the body is not JSON", 400)
    except forms.BadInput as exc:
        return _error(str(exc), 400)
    try:
        balance = await request.app[BILLING].adjust(
            user_id, amount, reason=reason, actor="admin-api", op_key=op
        )
    except InsufficientBalance as exc:
        return _error(f"the balance is {exc.balance}; a deduction cannot take it below 0", 409)
    return _json({"balance": balance})
