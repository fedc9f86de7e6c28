"""The aiohttp application of the admin server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.config import Settings
from kiebot.ops.metrics import Metrics
from kiebot.web import api, callbacks, health
from kiebot.web.keys import BILLING, METRICS, REDIS, SETTINGS, WAKE_TASK


def create_web_app(
    *,
    settings: Settings,
    redis: Redis,
    billing: Billing,
    metrics: Metrics,
    wake_task: Callable[[str], Awaitable[bool]],
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[SETTINGS] = settings
    app[REDIS] = redis
    app[BILLING] = billing
    app[METRICS] = metrics
    app[WAKE_TASK] = wake_task
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/metrics", health.metrics)
    app.router.add_get("/api/users/{telegram_id}", api.get_user)
    app.router.add_post("/api/users/{telegram_id}/credits", api.post_credits)
    # Only with a public URL: KIE is told the URL, and the webhook secret (required then)
    # keys the per-job signatures. Without one, the route does not exist.
    if settings.public_url is not None:
        app.router.add_post(callbacks.CALLBACK_PATH, callbacks.kie_callback)
    return app
