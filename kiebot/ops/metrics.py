"""The metrics of the process, in a registry of its own.

A registry per process object (not prometheus-client's global one) so that tests and the
demo can build several processes side by side, and so the dependency is passed
explicitly like every other shared object.

Most figures are counted where the event happens (the KIE client, the Telegram session,
the Dispatcher, the runner). Figures that live in Redis (users, Stars revenue) are read
at scrape time: `scrape()` first awaits the registered samplers, which store their
readings here, and a collector reports the latest readings. prometheus-client's
collectors are synchronous, so the Redis reads cannot happen inside them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from loguru import logger
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

_DURATION_BUCKETS = (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900)
_DELAY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 12, 15, 20, 30, 60)
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# A sampler that has not answered in this time is skipped; the scrape still answers.
SAMPLE_TIMEOUT_S = 2.0

Sampler = Callable[[], Awaitable[None]]


@dataclass(slots=True)
class StoreReadings:
    """The latest figures read from Redis; None until first read (then not reported)."""

    users: int | None = None
    blocked_users: int | None = None
    revenue_stars: int | None = None


class _StoreCollector(Collector):
    def __init__(self, readings: StoreReadings) -> None:
        self._readings = readings

    def collect(self) -> Iterator[Metric]:
        r = self._readings
        if r.users is not None:
            yield GaugeMetricFamily("kiebot_users", "Telegram users with an account", r.users)
        if r.blocked_users is not None:
            yield GaugeMetricFamily(
                "kiebot_users_blocked", "Users who blocked the bot", r.blocked_users
            )
        if r.revenue_stars is not None:
            yield CounterMetricFamily(
                "kiebot_revenue_stars", "Telegram Stars received, all time", r.revenue_stars
            )

    def describe(self) -> Iterator[Metric]:
        return iter(())  # values come and go; no need to check names at registration


@dataclass(slots=True)
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    readings: StoreReadings = field(default_factory=StoreReadings)
    updates: Counter = field(init=False)
    updates_dropped: Counter = field(init=False)
    update_latency: Histogram = field(init=False)
    jobs: Counter = field(init=False)
    credits: Counter = field(init=False)
    job_duration: Histogram = field(init=False)
    delivery_delay: Histogram = field(init=False)
    provider_calls: Counter = field(init=False)
    provider_latency: Histogram = field(init=False)
    telegram_calls: Counter = field(init=False)
    queue_depth: Gauge = field(init=False)
    in_flight: Gauge = field(init=False)
    loop_lag: Gauge = field(init=False)
    _samplers: list[Sampler] = field(default_factory=list)

    def __post_init__(self) -> None:
        r = self.registry
        self.updates = Counter(
            "kiebot_updates",
            "Telegram updates received, by type (dropped ones included)",
            ["type"],
            registry=r,
        )
        self.updates_dropped = Counter(
            "kiebot_updates_dropped",
            "Updates the gate dropped unhandled, by reason (banned, limited)",
            ["reason"],
            registry=r,
        )
        self.update_latency = Histogram(
            "kiebot_update_handling_seconds",
            "From an update reaching the Dispatcher to its handler returning",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.jobs = Counter(
            "kiebot_jobs", "Jobs ended, by model and final state", ["model", "outcome"], registry=r
        )
        self.credits = Counter(
            "kiebot_credits",
            "Credits moved by jobs: reserved, captured (spent) or released (given back)",
            ["movement"],
            registry=r,
        )
        self.job_duration = Histogram(
            "kiebot_job_duration_seconds",
            "From submit to the end of the job",
            ["model"],
            buckets=_DURATION_BUCKETS,
            registry=r,
        )
        self.delivery_delay = Histogram(
            "kiebot_delivery_delay_seconds",
            "From the provider finishing to the result reaching Telegram",
            buckets=_DELAY_BUCKETS,
            registry=r,
        )
        self.provider_calls = Counter(
            "kiebot_provider_calls",
            "KIE API calls, by endpoint path and KIE's code (or 'network')",
            ["endpoint", "code"],
            registry=r,
        )
        self.provider_latency = Histogram(
            "kiebot_provider_latency_seconds",
            "One KIE HTTP exchange, by endpoint path",
            ["endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.telegram_calls = Counter(
            "kiebot_telegram_calls",
            "Bot API calls, by method and outcome (ok, flood_wait, forbidden, ...)",
            ["method", "outcome"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "kiebot_queue_depth", "Jobs waiting, by class", ["job_class"], registry=r
        )
        self.in_flight = Gauge(
            "kiebot_jobs_in_flight", "Jobs being worked on, by class", ["job_class"], registry=r
        )
        self.loop_lag = Gauge(
            "kiebot_event_loop_lag_seconds",
            "How late the event loop woke the lag monitor at its last tick",
            registry=r,
        )
        r.register(_StoreCollector(self.readings))

    def job_reserved(self, price: int) -> None:
        self.credits.labels(movement="reserved").inc(price)

    def job_ended(self, model: str, outcome: str, duration_s: float, price: int) -> None:
        """One job reached a final state: its outcome, duration and where its credits went."""
        self.jobs.labels(model=model, outcome=outcome).inc()
        self.job_duration.labels(model=model).observe(max(duration_s, 0.0))
        movement = "captured" if outcome == "done" else "released"
        self.credits.labels(movement=movement).inc(price)

    def job_outcomes(self) -> dict[str, float]:
        """Jobs ended since start, per outcome (all models): for alerts and tallies."""
        totals: dict[str, float] = {}
        for metric in self.jobs.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    outcome = sample.labels["outcome"]
                    totals[outcome] = totals.get(outcome, 0.0) + sample.value
        return totals

    def add_sampler(self, sampler: Sampler) -> None:
        """Run `sampler` before each scrape (it stores what it reads in `readings`)."""
        self._samplers.append(sampler)

    async def scrape(self) -> bytes:
        """The Prometheus text: samplers first (a failing one keeps its last reading)."""
        for sampler in self._samplers:
            try:
                await asyncio.wait_for(sampler(), SAMPLE_TIMEOUT_S)
            except (RedisError, TimeoutError, OSError) as exc:  # answer with Redis down too
                logger.debug("metrics sampler failed: {!r}", exc)
        return self.render()

    def render(self) -> bytes:
        return generate_latest(self.registry)
