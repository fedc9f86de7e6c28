"""Rewards: promo codes, referrals and the low-balance notice; credits move in Lua."""

from kiebot.rewards.errors import (
    PromoAlreadyRedeemed,
    PromoExists,
    PromoExpired,
    PromoMalformed,
    PromoMissing,
    PromoUnknown,
    PromoUsedUp,
    RewardsError,
)
from kiebot.rewards.low_balance import LowBalanceWatch
from kiebot.rewards.promo import Promo, PromoCodes, Redemption, normalise_code
from kiebot.rewards.referrals import Invitation, ReferralBonus, Referrals
from kiebot.rewards.services import RewardServices

__all__ = [
    "Invitation",
    "LowBalanceWatch",
    "Promo",
    "PromoAlreadyRedeemed",
    "PromoCodes",
    "PromoExists",
    "PromoExpired",
    "PromoMalformed",
    "PromoMissing",
    "PromoUnknown",
    "PromoUsedUp",
    "Redemption",
    "ReferralBonus",
    "Referrals",
    "RewardServices",
    "RewardsError",
    "normalise_code",
]
