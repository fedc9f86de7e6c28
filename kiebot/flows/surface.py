"""The product surface's services, built once by the composition root.

`SurfaceServices.build` makes the parts that do not depend on the job pipeline
(preferences, live switches, model health, pending inputs, the /models menu), so the
pipeline can use them (the runner counts model failures, the status offers fallbacks);
`flows` then binds the job service once it exists. `preferences` is the process's one
`Preferences` (the account services get it too): its cache is true because every write
of the process goes through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from kiebot.catalog import Catalog, ModelHealth, ModelSwitches
from kiebot.delivery import Delivery
from kiebot.flows.menu import Menu
from kiebot.flows.pending import PendingInputs
from kiebot.flows.service import Flows
from kiebot.jobs.service import JobService
from kiebot.preferences import Preferences
from kiebot.store.keys import Keys


@dataclass(frozen=True, slots=True)
class SurfaceServices:
    catalog: Catalog
    preferences: Preferences
    switches: ModelSwitches
    health: ModelHealth
    pending: PendingInputs
    menu: Menu

    @classmethod
    def build(cls, redis: Redis, keys: Keys, catalog: Catalog) -> SurfaceServices:
        preferences = Preferences(redis, keys)
        switches = ModelSwitches(redis, keys, catalog)
        return cls(
            catalog=catalog,
            preferences=preferences,
            switches=switches,
            health=ModelHealth(redis, keys, catalog, switches),
            pending=PendingInputs(redis, keys),
            menu=Menu(catalog=catalog, preferences=preferences, switches=switches),
        )

    def flows(self, jobs: JobService, delivery: Delivery) -> Flows:
        return Flows(
            jobs=jobs,
            catalog=self.catalog,
            preferences=self.preferences,
            switches=self.switches,
            health=self.health,
            pending=self.pending,
            delivery=delivery,
        )

    def workflow_data(self, flows: Flows) -> dict[str, Any]:
        """What the surface's handlers take by parameter name."""
        return {"flows": flows, "menu": self.menu}
