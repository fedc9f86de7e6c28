"""The admin JSON API for money: a user's ledger and payments, refunds of Stars payments.

Token auth like `web.api` (`require_admin`). Thin handlers: validate, call one
`Payments` function, render; a payments refusal maps to an HTTP status here, once.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from kiebot.payments import (
    AlreadyRefunded,
    CreditsAlreadySpent,
    PaymentError,
    PaymentNotFound,
    RefundRefused,
    RefundUncertain,
)
from kiebot.web.auth import require_admin
from kiebot.web.keys import BILLING, PAYMENTS

MAX_LIMIT = 1000
DEFAULT_LIMIT = 50
MAX_REASON = 500
MAX_CHARGE_ID = 256
# Each refusal of a refund and what the operator sees.
_REFUSALS: dict[type[PaymentError], int] = {
    PaymentNotFound: 404,
    AlreadyRefunded: 409,
    CreditsAlreadySpent: 409,
    RefundRefused: 502,
    RefundUncertain: 503,
}


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/users/{telegram_id}/ledger", get_ledger)
    app.router.add_get("/api/users/{telegram_id}/payments", get_payments)
    app.router.add_post("/api/payments/{charge_id}/refund", post_refund)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(message: str, status: int, **extra: Any) -> web.Response:
    return _json({"error": message, **extra}, status)


def _user_id(request: web.Request) -> int | None:
    raw = request.match_info["telegram_id"]
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**63 else None


def _limit(request: web.Request) -> int | None:
    raw = request.query.get("limit", str(DEFAULT_LIMIT))
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT else None


async def get_ledger(request: web.Request) -> web.Response:
    """Newest first: `{"user_id", "entries": [{id, type, amount, balance_after, ref,
    reason, time}]}`; 404 for a user with no account."""
    require_admin(request)
    user_id, limit = _user_id(request), _limit(request)
    if user_id is None:
        return _error("no such user", 404)
    if limit is None:
        return _error(f"limit must be a whole number from 1 to {MAX_LIMIT}", 400)
    billing = request.app[BILLING]
    if await billing.account(user_id) is None:
        return _error("no such user", 404)
    entries = await billing.ledger(user_id, limit=limit)
    return _json(
        {
            "user_id": user_id,
            "entries": [
                {
                    "id": e.id,
                    "type": e.type,
                    "amount": e.amount,
                    "balance_after": e.balance_after,
                    "ref": e.ref,
                    "reason": e.reason,
                    "time": e.time,
                }
                for e in entries
            ],
        }
    )


async def get_payments(request: web.Request) -> web.Response:
    """Newest first: `{"user_id", "payments": [...]}` (an unknown user has none)."""
    require_admin(request)
    user_id, limit = _user_id(request), _limit(request)
    if user_id is None:
        return _error("no such user", 404)
    if limit is None:
        return _error(f"limit must be a whole number from 1 to {MAX_LIMIT}", 400)
    payments = await request.app[PAYMENTS].payments_of(user_id, limit=limit)
    return _json({"user_id": user_id, "payments": [p.as_dict() for p in payments]})


async def post_refund(request: web.Request) -> web.Response:
    """Body `{"force": bool, "reason": str}`. 200 with the refund; 404 unknown payment;
    409 already refunded or its credits spent (retry with force to take what is left);
    502 Telegram refused (nothing changed); 503 Telegram's answer was lost (retry: the
    refund resumes, it never takes the credits twice)."""
    require_admin(request)
    charge_id = request.match_info["charge_id"]
    if not 0 < len(charge_id) <= MAX_CHARGE_ID:
        return _error("no such payment", 404)
    body = await _refund_body(request)
    if isinstance(body, web.Response):
        return body
    force, reason = body
    try:
        refund = await request.app[PAYMENTS].refund(charge_id, force=force, reason=reason)
    except CreditsAlreadySpent as exc:
        return _error(
            f"the balance {exc.balance} is below the payment's {exc.credits} credits; "
            "pass force to take what is left",
            409,
            balance=exc.balance,
            credits=exc.credits,
        )
    except PaymentError as exc:
        return _error(str(exc), _REFUSALS.get(type(exc), 409))
    return _json(refund.as_dict())


async def _refund_body(request: web.Request) -> tuple[bool, str] | web.Response:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return _error("the body is not JSON", 400)
    if not isinstance(body, dict):
        return _error('expected {"force": bool, "reason": str}', 400)
    force, reason = body.get("force", False), body.get("reason")
    if not isinstance(force, bool):
        return _error("force must be true or false", 400)
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        return _error(f"reason must be a non-empty string of at most {MAX_REASON} characters", 400)
    return force, reason.strip()
