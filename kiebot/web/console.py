"""What the admin console's pages and API need from the rest of the process, in one place.

Passed to `create_web_app` as one object (and kept under the `CONSOLE` app key) so the
composition root wires the console in one visible line, and an admin server built
without it (the contract's minimal API, in tests) simply has no pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from kiebot.billing.usernames import Usernames
from kiebot.catalog import Catalog
from kiebot.catalog.switches import ModelSwitches
from kiebot.jobs import JobStore
from kiebot.jobs.service import JobService
from kiebot.ops.activity import JobActivity
from kiebot.ops.recent_errors import RecentErrors
from kiebot.store.keys import Keys
from kiebot.web.credits import KieCredits
from kiebot.web.sessions import AdminSessions, LoginThrottle


class Queues(Protocol):
    """The scheduler as the overview sees it (`jobs.scheduler.Scheduler`)."""

    @property
    def job_classes(self) -> tuple[str, ...]: ...

    def queued(self, job_class: str) -> int: ...

    def in_flight(self, job_class: str) -> int: ...


@dataclass(frozen=True, slots=True)
class Console:
    redis: Redis
    keys: Keys
    store: JobStore
    jobs: JobService
    catalog: Catalog
    switches: ModelSwitches
    queues: Queues
    activity: JobActivity
    credits: KieCredits
    errors: RecentErrors
    usernames: Usernames
    sessions: AdminSessions
    throttle: LoginThrottle
