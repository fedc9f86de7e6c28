"""How long a queued job will wait, for the status message: an estimate, said as one.

A queued job starts when a slot of its class frees up and the key's create budget lets
it through. Jobs ahead of it take the free slots first; after that, a slot frees about
every `typical / concurrency` seconds, where `typical` is the model's learned duration
(`DurationBook`, the catalog's guess until jobs taught it). Creates are also paced by
KIE's budget (20 per 10 s per key), which caps how fast a long queue can drain. Then
the job itself takes `typical`. Nothing here does I/O: the figure is computed from the
scheduler's counters and the cached durations each time the status is rendered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from kiebot.catalog import Catalog, UnknownModel
from kiebot.jobs.durations import DurationBook
from kiebot.jobs.record import Job
from kiebot.jobs.scheduler import Scheduler


class WaitEstimator:
    def __init__(
        self,
        scheduler: Scheduler,
        durations: DurationBook,
        catalog: Catalog,
        *,
        concurrency: Mapping[str, int],
        creates_per_s: float,
    ) -> None:
        if creates_per_s <= 0 or min(concurrency.values(), default=1) < 1:
            raise ValueError("creates_per_s must be positive and concurrency at least 1")
        self._scheduler = scheduler
        self._durations = durations
        self._catalog = catalog
        self._concurrency = dict(concurrency)
        self._creates_per_s = creates_per_s

    def typical_s(self, model: str) -> float:
        """The model's learned duration, or the catalog's guess (seconds)."""
        learned = self._durations.cached(model)
        if learned is not None:
            return learned
        try:
            return self._catalog.get(model).typical_s
        except UnknownModel:
            return 30.0

    def wait_s(self, job: Job) -> float | None:
        """Seconds until the result, from the queue; None once the job has left it."""
        position = self._scheduler.position(job.job_class, job.job_id)
        if position is None:
            return None
        slots = self._concurrency.get(job.job_class, 1)
        typical = self.typical_s(job.model)
        ahead = max(position - 1, 0)
        free = max(slots - self._scheduler.in_flight(job.job_class), 0)
        waves = 0 if ahead < free else math.ceil((ahead - free + 1) / slots)
        start = max(waves * typical, ahead / self._creates_per_s)
        return start + typical
