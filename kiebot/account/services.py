"""The account services built together, and handed to the Dispatcher as workflow data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from kiebot.account.cancelling import Cancellations
from kiebot.account.erasure import DataEraser, ErasureHook
from kiebot.account.history import History
from kiebot.account.language import Languages
from kiebot.account.settings import AccountSettings
from kiebot.billing import Billing
from kiebot.billing.spending import SpendingCaps
from kiebot.catalog import Catalog
from kiebot.delivery import Delivery
from kiebot.jobs import JobStore
from kiebot.jobs.service import JobService
from kiebot.preferences import Preferences
from kiebot.store.keys import Keys


@dataclass(frozen=True, slots=True)
class AccountServices:
    languages: Languages
    settings: AccountSettings
    history: History
    cancellations: Cancellations
    eraser: DataEraser

    @classmethod
    def build(
        cls,
        redis: Redis,
        keys: Keys,
        *,
        billing: Billing,
        preferences: Preferences,
        spending: SpendingCaps,
        catalog: Catalog,
        store: JobStore,
        jobs: JobService,
        delivery: Delivery,
        erasure_hooks: Sequence[ErasureHook] = (),
    ) -> AccountServices:
        """`erasure_hooks`: other parts' "forget this user" calls, run by `DataEraser`."""
        languages = Languages(preferences, billing)
        return cls(
            languages=languages,
            settings=AccountSettings(
                languages=languages, preferences=preferences, spending=spending, catalog=catalog
            ),
            history=History(store, delivery),
            cancellations=Cancellations(store, jobs),
            eraser=DataEraser(
                redis,
                keys,
                billing=billing,
                preferences=preferences,
                languages=languages,
                spending=spending,
                hooks=erasure_hooks,
            ),
        )

    def workflow_data(self) -> dict[str, Any]:
        """The names the account handlers take them by."""
        return {
            "languages": self.languages,
            "account_settings": self.settings,
            "history": self.history,
            "cancellations": self.cancellations,
            "eraser": self.eraser,
        }
