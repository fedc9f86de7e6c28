"""The rewards services built together, for the composition root to hand out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.billing.spending import SpendingCaps
from kiebot.rewards.low_balance import LowBalanceWatch
from kiebot.rewards.promo import PromoCodes
from kiebot.rewards.referrals import Referrals
from kiebot.store.keys import Keys
from kiebot.store.scripts import Scripts


@dataclass(frozen=True, slots=True)
class RewardServices:
    promos: PromoCodes
    referrals: Referrals
    spending_caps: SpendingCaps
    low_balance: LowBalanceWatch

    @classmethod
    def build(
        cls,
        redis: Redis,
        keys: Keys,
        scripts: Scripts,
        billing: Billing,
        *,
        referral_bonus: int,
        low_balance: int,
    ) -> RewardServices:
        return cls(
            promos=PromoCodes(redis, keys, scripts),
            referrals=Referrals(redis, keys, scripts, billing, bonus=referral_bonus),
            spending_caps=SpendingCaps(redis, keys, scripts),
            low_balance=LowBalanceWatch(keys, scripts, threshold=low_balance),
        )

    def workflow_data(self) -> dict[str, Any]:
        """The Dispatcher's workflow data: handlers take these by parameter name."""
        return {
            "promos": self.promos,
            "referrals": self.referrals,
            "spending_caps": self.spending_caps,
        }
