"""`/healthz` for the supervisor and `/metrics` for Prometheus."""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError

from kiebot.ops.health import HealthChecks, healthy
from kiebot.web.auth import require_admin
from kiebot.web.keys import METRICS, REDIS, SETTINGS

CHECK_TIMEOUT_S = 2.0
# Set by the composition root; without it (a bare app in a test) only Redis is checked.
HEALTH = web.AppKey("health", HealthChecks)


async def healthz(request: web.Request) -> web.Response:
    """200 `{"status": "ok", "checks": {...}}`, or 503 with each failing check's reason."""
    checks = request.app.get(HEALTH)
    results = await checks.run() if checks is not None else {"redis": await _redis(request)}
    ok = healthy(results)
    return web.json_response(
        {"status": "ok" if ok else "fail", "checks": results}, status=200 if ok else 503
    )


async def _redis(request: web.Request) -> str:
    try:
        await asyncio.wait_for(request.app[REDIS].ping(), CHECK_TIMEOUT_S)
    except (RedisError, TimeoutError, OSError) as exc:
        return f"fail: {type(exc).__name__}"
    return "ok"


async def metrics(request: web.Request) -> web.Response:
    """Open on a loopback listener (Prometheus scrapes locally); token-guarded otherwise."""
    if not request.app[SETTINGS].admin_listen.is_loopback:
        require_admin(request)
    # The exposition format's version in the type, as prometheus-client's own server says.
    headers = {"Content-Type": CONTENT_TYPE_LATEST, "X-Content-Type-Options": "nosniff"}
    return web.Response(body=await request.app[METRICS].scrape(), headers=headers)
