"""The admin JSON API for promo codes: create one, list them with the uses left.

Token auth like `web.api` (`require_admin`). Thin handlers: validate, call one
`PromoCodes` function, render.

- `POST /api/promo` body `{"code": str, "credits": int, "uses": int, "expires_at": unix
  seconds}` or `"days": number` instead of `expires_at`; answers 201 with the code as
  stored (upper case), 409 when the code exists (its terms never change under the users
  who redeemed it), 400 with the reason for a bad body.
- `GET /api/promo` answers `{"promos": [...]}`, newest first, each with `uses_left`,
  `redeemed` and `expired`.
"""

from __future__ import annotations

from typing import Any, TypeGuard

import orjson
from aiohttp import web

from kiebot.rewards import PromoCodes, PromoExists
from kiebot.rewards.promo import CODE_PATTERN, MAX_CODE_LENGTH, MAX_CREDITS, MAX_USES
from kiebot.web.auth import require_admin
from kiebot.web.keys import PROMOS

MAX_DAYS = 3650


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/promo", list_promos)
    app.router.add_post("/api/promo", create_promo)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(message: str, status: int = 400) -> web.Response:
    return _json({"error": message}, status)


async def list_promos(request: web.Request) -> web.Response:
    require_admin(request)
    promos = request.app[PROMOS]
    now = promos.now
    return _json({"promos": [promo.as_dict(now) for promo in await promos.all()]})


async def create_promo(request: web.Request) -> web.Response:
    require_admin(request)
    promos = request.app[PROMOS]
    terms = await _read_terms(request, promos)
    if isinstance(terms, web.Response):
        return terms
    code, credits, uses, expires_at = terms
    try:
        promo = await promos.create(code, credits=credits, uses=uses, expires_at=expires_at)
    except PromoExists:
        return _error(f"the code {code.strip().upper()} exists", 409)
    return _json(promo.as_dict(promos.now), 201)


async def _read_terms(
    request: web.Request, promos: PromoCodes
) -> tuple[str, int, int, float] | web.Response:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return _error("the body is not JSON")
    if not isinstance(body, dict):
        return _error('expected {"code", "credits", "uses", "expires_at" or "days"}')
    code, credits, uses = body.get("code"), body.get("credits"), body.get("uses")
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code.strip().upper()):
        return _error(f"code must be 3 to {MAX_CODE_LENGTH} characters of A-Z, 0-9, _ and -")
    if not isinstance(credits, int) or not _whole(credits, MAX_CREDITS):
        return _error(f"credits must be a whole number from 1 to {MAX_CREDITS}")
    if not isinstance(uses, int) or not _whole(uses, MAX_USES):
        return _error(f"uses must be a whole number from 1 to {MAX_USES}")
    expires_at = _expiry(body, promos.now)
    if isinstance(expires_at, str):
        return _error(expires_at)
    return code, credits, uses, expires_at


def _whole(value: int, high: int) -> bool:
    return not isinstance(value, bool) and 1 <= value <= high


def _expiry(body: dict[str, Any], now: float) -> float | str:
    """The expiry as unix seconds, or what is wrong with the body's."""
    expires_at, days = body.get("expires_at"), body.get("days")
    if (expires_at is None) == (days is None):
        return "give exactly one of expires_at (unix seconds) and days"
    if days is not None:
        if not _number(days) or not 0 < days <= MAX_DAYS:
            return f"days must be a number above 0 and at most {MAX_DAYS}"
        return now + float(days) * 86_400
    if not _number(expires_at) or expires_at <= now:
        return "expires_at must be unix seconds in the future"
    return float(expires_at)


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
