"""Why a promo code was not redeemed (or created), as typed errors with their texts' keys."""

from __future__ import annotations

from kiebot.errors import KiebotError


class RewardsError(KiebotError):
    """Base of the rewards errors; a refusal always changed nothing."""


class PromoMissing(RewardsError):
    """`/promo` without a code."""

    user_message_key = "promo.missing"


class PromoMalformed(RewardsError):
    """Not something a code can be (too long, odd characters): refused before Redis."""

    user_message_key = "promo.malformed"

    def __init__(self, *, max_length: int) -> None:
        super().__init__("not a promo code")
        self.max_length = max_length


class PromoUnknown(RewardsError):
    user_message_key = "promo.unknown"

    def __init__(self, *, code: str) -> None:
        super().__init__(f"no promo code {code}")
        self.code = code


class PromoExpired(RewardsError):
    user_message_key = "promo.expired"

    def __init__(self, *, code: str) -> None:
        super().__init__(f"promo code {code} has expired")
        self.code = code


class PromoUsedUp(RewardsError):
    user_message_key = "promo.used_up"

    def __init__(self, *, code: str) -> None:
        super().__init__(f"promo code {code} has no uses left")
        self.code = code


class PromoAlreadyRedeemed(RewardsError):
    user_message_key = "promo.already_redeemed"

    def __init__(self, *, code: str) -> None:
        super().__init__(f"promo code {code} was redeemed by this user before")
        self.code = code


class PromoExists(RewardsError):
    """An operator tried to create a code that exists (its terms never change)."""

    def __init__(self, *, code: str) -> None:
        super().__init__(f"promo code {code} exists")
        self.code = code
