"""Typed application keys: how the web handlers receive their dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.config import Settings
from kiebot.ops.metrics import Metrics

SETTINGS = web.AppKey("settings", Settings)
REDIS = web.AppKey("redis", Redis)
BILLING = web.AppKey("billing", Billing)
METRICS = web.AppKey("metrics", Metrics)
# Given a KIE task id from a verified callback, wake the job waiting on it.
WakeTask = Callable[[str], Awaitable[bool]]
WAKE_TASK: web.AppKey[WakeTask] = web.AppKey("wake_task")
