"""`/healthz` for the supervisor and `/metrics` for Prometheus."""

from __future__ import annotations

import asyncio

from aiohttp import web
from redis.exceptions import RedisError

from kiebot.web.auth import require_admin
from kiebot.web.keys import METRICS, REDIS, SETTINGS

CHECK_TIMEOUT_S = 2.0


async def healthz(request: web.Request) -> web.Response:
    checks = {"redis": await _redis_check(request)}
    healthy = all(value == "ok" for value in checks.values())
    return web.json_response(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )


async def _redis_check(request: web.Request) -> str:
    try:
        await asyncio.wait_for(request.app[REDIS].ping(), CHECK_TIMEOUT_S)
    except (RedisError, TimeoutError, OSError) as exc:
        return f"fail: {type(exc).__name__}"
    return "ok"


async def metrics(request: web.Request) -> web.Response:
    """Open on a loopback listener (Prometheus scrapes locally); token-guarded otherwise."""
    if not request.app[SETTINGS].admin_listen.is_loopback:
        require_admin(request)
    return web.Response(
        body=request.app[METRICS].render(),
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )
