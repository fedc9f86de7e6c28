"""Typed application keys: how the web handlers receive their dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.config import Settings
from kiebot.ops.metrics import Metrics
from kiebot.payments import Payments
from kiebot.rewards import PromoCodes
from kiebot.web.console import Console

SETTINGS = web.AppKey("settings", Settings)
REDIS = web.AppKey("redis", Redis)
BILLING = web.AppKey("billing", Billing)
METRICS = web.AppKey("metrics", Metrics)
# Stars payments: a user's payments and ledger, refunds, revenue (`web.api_money`).
PAYMENTS = web.AppKey("payments", Payments)
# Promo codes: created and listed by the operator (`web.api_rewards`).
PROMOS = web.AppKey("promos", PromoCodes)
# Given a KIE task id from a verified callback, wake the job waiting on it.
WakeTask = Callable[[str], Awaitable[bool]]
WAKE_TASK: web.AppKey[WakeTask] = web.AppKey("wake_task")
# The admin console's services (pages and their JSON); absent in a bare API-only app.
CONSOLE = web.AppKey("console", Console)
