"""The operations side of one process, built and started in one place for `app.py`.

Health checks with their loop-lag monitor, alerts and their watcher, maintenance,
broadcasts (resumed if a restart interrupted one) and the `/stats` reader; each
background task is stopped through the process's `AsyncExitStack`, in reverse order of
start, like every other part.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.config import Settings
from kiebot.delivery import Delivery
from kiebot.kie import KieClient
from kiebot.ops.activity import JobActivity
from kiebot.ops.alerts import Alerts, AlertWatcher
from kiebot.ops.broadcast import Broadcasts
from kiebot.ops.health import HealthChecks, LoopLagMonitor
from kiebot.ops.instruments import TelegramCallMetrics, UpdateMetrics
from kiebot.ops.maintenance import Maintenance
from kiebot.ops.metrics import Metrics
from kiebot.ops.stats import StatsReader
from kiebot.store import Keys, Scripts


@dataclass(frozen=True, slots=True)
class Operations:
    health: HealthChecks
    alerts: Alerts
    broadcasts: Broadcasts
    stats: StatsReader
    maintenance: Maintenance
    watcher: AlertWatcher


def instrument(bot: Bot, metrics: Metrics) -> None:
    """Count every Bot API call (see `ops.instruments`); updates are counted by the
    Dispatcher's first middleware (`count_updates`)."""
    bot.session.middleware(TelegramCallMetrics(metrics))


def count_updates(dispatcher: Dispatcher, metrics: Metrics) -> None:
    """Count every update, the ones the flood gate drops included: register it before
    any other outer middleware (aiogram runs them in the order registered)."""
    dispatcher.update.outer_middleware(UpdateMetrics(metrics))


def count_dropped(metrics: Metrics) -> Callable[[str], None]:
    """The flood gate's `on_drop`: dropped updates by reason (banned, limited)."""
    return lambda reason: metrics.updates_dropped.labels(reason=reason).inc()


async def start_operations(
    settings: Settings,
    *,
    redis: Redis,
    keys: Keys,
    scripts: Scripts,
    kie: KieClient,
    bot: Bot,
    delivery: Delivery,
    billing: Billing,
    metrics: Metrics,
    stack: AsyncExitStack,
) -> Operations:
    lag = LoopLagMonitor(metrics)
    lag.start()
    stack.push_async_callback(lag.stop)
    health = HealthChecks(redis=redis, kie=kie, bot=bot, data_dir=settings.data_dir, lag=lag)
    alerts = Alerts(
        redis=redis,
        keys=keys,
        delivery=delivery,
        admin_ids=settings.admin_ids,
        language=billing.language,
        interval_s=settings.alert_interval_s,
    )
    stack.push_async_callback(alerts.aclose)
    watcher = AlertWatcher(
        alerts=alerts,
        redis=redis,
        metrics=metrics,
        kie_credits=health.kie_credits,
        credits_threshold=settings.alert_kie_credits,
        error_rate=settings.alert_error_rate,
    )
    watcher.start()
    stack.push_async_callback(watcher.stop)
    maintenance = Maintenance(
        redis=redis,
        keys=keys,
        data_dir=settings.data_dir,
        job_retention_days=settings.job_retention_days,
        conversation_ttl_s=settings.conversation_ttl_s,
    )
    await maintenance.start()
    stack.push_async_callback(maintenance.stop)
    stats = StatsReader(redis=redis, keys=keys, metrics=metrics, activity=JobActivity(redis, keys))
    metrics.add_sampler(stats.sample)
    broadcasts = Broadcasts(redis=redis, keys=keys, scripts=scripts, delivery=delivery)
    stack.push_async_callback(broadcasts.aclose)
    await broadcasts.resume()
    return Operations(health, alerts, broadcasts, stats, maintenance, watcher)
