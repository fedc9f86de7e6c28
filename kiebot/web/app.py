"""The aiohttp application of the admin server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.config import Settings
from kiebot.ops.health import HealthChecks
from kiebot.ops.metrics import Metrics
from kiebot.payments import Payments
from kiebot.rewards import PromoCodes
from kiebot.web import api, api_console, api_money, api_rewards, callbacks, health, login, pages
from kiebot.web.auth import LOGIN_PATH, auth_middleware
from kiebot.web.console import Console
from kiebot.web.health import HEALTH
from kiebot.web.keys import (
    BILLING,
    CONSOLE,
    METRICS,
    PAYMENTS,
    PROMOS,
    REDIS,
    SETTINGS,
    WAKE_TASK,
)
from kiebot.web.render import TEMPLATES, Templates

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"


def create_web_app(
    *,
    settings: Settings,
    redis: Redis,
    billing: Billing,
    metrics: Metrics,
    wake_task: Callable[[str], Awaitable[bool]],
    telegram: tuple[Dispatcher, Bot] | None = None,
    payments: Payments | None = None,
    promos: PromoCodes | None = None,
    console: Console | None = None,
    health_checks: HealthChecks | None = None,
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024, middlewares=[auth_middleware])
    app[SETTINGS] = settings
    app[REDIS] = redis
    app[BILLING] = billing
    app[METRICS] = metrics
    app[WAKE_TASK] = wake_task
    if health_checks is not None:
        app[HEALTH] = health_checks
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/metrics", health.metrics)
    app.router.add_get("/api/users/{telegram_id}", api.get_user)
    app.router.add_post("/api/users/{telegram_id}/credits", api.post_credits)
    if payments is not None:
        app[PAYMENTS] = payments
        api_money.add_routes(app)
    if promos is not None:
        app[PROMOS] = promos
        api_rewards.add_routes(app)
    if console is not None:
        _add_console(app, console)
    # Only with a public URL: KIE is told the URL, and the webhook secret (required then)
    # keys the per-job signatures. Without one, the route does not exist.
    if settings.public_url is not None:
        app.router.add_post(callbacks.CALLBACK_PATH, callbacks.kie_callback)
    if telegram is not None and settings.webhook_secret is not None:
        _add_telegram_webhook(app, *telegram, settings.webhook_secret.get_secret_value())
    return app


def _add_console(app: web.Application, console: Console) -> None:
    """The admin pages, their JSON under /api/, and the login that guards them."""
    app[CONSOLE] = console
    app[TEMPLATES] = Templates()
    app.router.add_get(LOGIN_PATH, login.login_form)
    app.router.add_post(LOGIN_PATH, login.login)
    app.router.add_post("/logout", login.logout)
    pages.add_routes(app)
    api_console.add_routes(app)


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
