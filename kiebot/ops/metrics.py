"""The metrics of the process, in a registry of its own.

A registry per process object (not prometheus-client's global one) so that tests and the
demo can build several processes side by side, and so the dependency is passed
explicitly like every other shared object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_DURATION_BUCKETS = (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900)
_DELAY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 12, 15, 20, 30, 60)


@dataclass(slots=True)
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    updates: Counter = field(init=False)
    jobs: Counter = field(init=False)
    credits: Counter = field(init=False)
    job_duration: Histogram = field(init=False)
    delivery_delay: Histogram = field(init=False)
    queue_depth: Gauge = field(init=False)
    in_flight: Gauge = field(init=False)

    def __post_init__(self) -> None:
        r = self.registry
        self.updates = Counter("kiebot_updates", "Telegram updates handled", registry=r)
        self.jobs = Counter(
            "kiebot_jobs", "Jobs ended, by model and final state", ["model", "outcome"], registry=r
        )
        self.credits = Counter(
            "kiebot_credits", "Credits moved, by movement", ["movement"], registry=r
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
        self.queue_depth = Gauge(
            "kiebot_queue_depth", "Jobs waiting, by class", ["job_class"], registry=r
        )
        self.in_flight = Gauge(
            "kiebot_jobs_in_flight", "Jobs being worked on, by class", ["job_class"], registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
