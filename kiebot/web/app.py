"""The aiohttp application of the admin server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.config import Settings
from kiebot.ops.metrics import Metrics
from kiebot.web import api, callbacks, health
from kiebot.web.keys import BILLING, METRICS, REDIS, SETTINGS, WAKE_TASK

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"


def create_web_app(
    *,
    settings: Settings,
    redis: Redis,
    billing: Billing,
    metrics: Metrics,
    wake_task: Callable[[str], Awaitable[bool]],
    telegram: tuple[Dispatcher, Bot] | None = None,
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
    if telegram is not None and settings.webhook_secret is not None:
        _add_telegram_webhook(app, *telegram, settings.webhook_secret.get_secret_value())
    return app


def _add_telegram_webhook(
    app: web.Application, dispatcher: Dispatcher, bot: Bot, secret: str
) -> None:
    """Telegram's updates, checked against the secret header (401 otherwise).

    Handled before answering (not in the background): if handling fails or the process
    dies, Telegram did not get its 200 and delivers the update again, the same guarantee
    long polling's offsets give.
    """
    handler = SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token=secret)
    handler.register(app, path=TELEGRAM_WEBHOOK_PATH)
