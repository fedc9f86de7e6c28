"""The overview: how the bot is doing right now, gathered for the page and `/api/overview`.

Each figure comes from where it is already kept, nothing is counted twice:
- queues and jobs in flight: the scheduler, live;
- jobs per minute, success rate, the chart, waits p50/p95: `ops.activity` (Redis, so a
  restart keeps the last hours);
- provider 429s and errors, Telegram flood waits: the Prometheus registry (counted where
  the calls are made, since this process started);
- KIE credits: `KieCredits`, read at most once a minute;
- revenue: the payments service, when wired; new users: the per-day counters that
  `account_open.lua` keeps.
The result is plain JSON-ready data; the page renders the same dict the API returns.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from kiebot.ops.activity import Bucket, merge, percentile, success_rate
from kiebot.store.replies import optional_text
from kiebot.web.console import Console
from kiebot.web.keys import CONSOLE, METRICS, PAYMENTS, REDIS

CHART_HOURS = 6
CHART_BAR_MINUTES = 5
RATE_MINUTES = 60
# Revenue in Stars over the last `days` days, today included (payments service).
RevenueStars = Callable[[int], Awaitable[int]]


def _sum_samples(
    registry: CollectorRegistry, name: str, match: Callable[[dict[str, str]], bool]
) -> float:
    """The sum of a counter's samples whose labels match (0 when none were counted)."""
    total = 0.0
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == f"{name}_total" and match(sample.labels):
                total += sample.value
    return total


def provider_figures(registry: CollectorRegistry) -> dict[str, float]:
    """KIE calls since start: all, refused for rate (429), and failed (any other non-200)."""
    return {
        "calls": _sum_samples(registry, "kiebot_provider_calls", lambda _: True),
        "rate_limited": _sum_samples(
            registry, "kiebot_provider_calls", lambda labels: labels.get("code") == "429"
        ),
        "errors": _sum_samples(
            registry,
            "kiebot_provider_calls",
            lambda labels: labels.get("code") not in ("200", "429"),
        ),
    }


def flood_waits(registry: CollectorRegistry) -> float:
    return _sum_samples(
        registry, "kiebot_telegram_calls", lambda labels: labels.get("outcome") == "flood_wait"
    )


def chart(minutes: list[Bucket]) -> list[dict[str, float | int]]:
    return [
        {"start": bar.start, "ended": bar.ended, "errors": bar.errors}
        for bar in merge(minutes, CHART_BAR_MINUTES)
    ]


def _days(now: float, count: int) -> list[str]:
    return [time.strftime("%Y-%m-%d", time.gmtime(now - 86400 * back)) for back in range(count)]


async def new_users(redis: Redis, console: Console, now: float) -> dict[str, int]:
    days = _days(now, 7)
    counts = await redis.mget([console.keys.new_users(day) for day in days])
    values = [int(optional_text(count) or 0) for count in counts]
    return {"today": values[0], "week": sum(values)}


def waits(samples: dict[str, list[float]]) -> list[dict[str, Any]]:
    return [
        {
            "model": model,
            "samples": len(values),
            "p50": percentile(values, 0.50),
            "p95": percentile(values, 0.95),
        }
        for model, values in sorted(samples.items())
    ]


async def revenue(stars: RevenueStars | None) -> dict[str, int | None]:
    if stars is None:
        return {"today": None, "week": None}
    return {"today": await stars(1), "week": await stars(7)}


def queues(console: Console) -> list[dict[str, Any]]:
    q = console.queues
    return [
        {"job_class": c, "queued": q.queued(c), "in_flight": q.in_flight(c)} for c in q.job_classes
    ]


def _rates(minutes: Iterable[Bucket]) -> dict[str, Any]:
    recent = list(minutes)[-RATE_MINUTES:]
    ended = sum(bucket.ended for bucket in recent)
    return {
        "jobs_per_minute": round(ended / RATE_MINUTES, 2),
        "ended_last_hour": ended,
        "errors_last_hour": sum(bucket.errors for bucket in recent),
        "success_rate": success_rate(recent),
    }


async def read_overview(
    console: Console,
    redis: Redis,
    registry: CollectorRegistry,
    revenue_stars: RevenueStars | None,
) -> dict[str, Any]:
    now = time.time()
    minutes = await console.activity.minutes(CHART_HOURS * 60)
    credits = await console.credits.reading()
    return {
        "at": now,
        "queues": queues(console),
        **_rates(minutes),
        "waits": waits(await console.activity.waits(entry.id for entry in console.catalog)),
        "provider": provider_figures(registry),
        "flood_waits": flood_waits(registry),
        "kie_credits": credits.as_dict(),
        "revenue_stars": await revenue(revenue_stars),
        "new_users": await new_users(redis, console, now),
        "chart": chart(minutes),
    }


async def overview_of(app: web.Application) -> dict[str, Any]:
    """The overview from the admin app's services (revenue only when payments are on)."""
    payments = app.get(PAYMENTS)
    return await read_overview(
        app[CONSOLE],
        app[REDIS],
        app[METRICS].registry,
        payments.revenue_stars if payments is not None else None,
    )
