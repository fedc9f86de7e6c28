"""What is for sale (credit packs, the monthly plan) and the invoice payload naming it.

The payload is the bot's own text inside the invoice, returned unchanged by Telegram in
the pre_checkout_query and the successful_payment. It carries everything the credit
needs (kind, pack, credits, bonus, Stars, user), so a payment approved at pre-checkout is
credited as approved even if the operator changes the packs in between. Telegram does not
let anyone but the bot write an invoice, so the payload cannot be forged; what it cannot
prevent is an old invoice (the price changed since) or an invoice link passed on to
someone else: pre-checkout compares the payload with today's offer and the paying user.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiebot.config import CreditPack, SubscriptionPlan

PACK = "pack"
SUBSCRIPTION = "subscription"
SUBSCRIPTION_OFFER_ID = "sub"
# The only subscription period the Bot API accepts (30 days).
SUBSCRIPTION_PERIOD_S = 2_592_000


@dataclass(frozen=True, slots=True)
class Offer:
    """One thing a user can pay for: a pack, or a period of the subscription."""

    kind: str
    id: str
    credits: int
    bonus: int
    stars: int

    @property
    def total(self) -> int:
        """Credits granted for one payment, bonus included."""
        return self.credits + self.bonus

    @classmethod
    def of_pack(cls, pack: CreditPack) -> Offer:
        return cls(PACK, pack.id, pack.credits, pack.bonus, pack.stars)

    @classmethod
    def of_plan(cls, plan: SubscriptionPlan) -> Offer:
        return cls(SUBSCRIPTION, SUBSCRIPTION_OFFER_ID, plan.credits, 0, plan.stars)

    def payload(self, user_id: int) -> str:
        """At most ~60 bytes, well under Telegram's 128."""
        return f"{self.kind}:{self.id}:{self.credits}:{self.bonus}:{self.stars}:{user_id}"


@dataclass(frozen=True, slots=True)
class Payload:
    offer: Offer
    user_id: int


def parse_payload(raw: str) -> Payload | None:
    """The offer and buyer an invoice payload names; None when it is not ours."""
    parts = raw.split(":")
    if len(parts) != 6 or parts[0] not in (PACK, SUBSCRIPTION):
        return None
    kind, offer_id, *numbers = parts
    if not all(n.isdigit() for n in numbers):
        return None
    credits, bonus, stars, user_id = (int(n) for n in numbers)
    return Payload(Offer(kind, offer_id, credits, bonus, stars), user_id)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Today's offers, from the configuration."""

    packs: tuple[Offer, ...]
    plan: Offer | None

    @classmethod
    def of(cls, packs: tuple[CreditPack, ...], plan: SubscriptionPlan | None) -> Catalogue:
        return cls(tuple(Offer.of_pack(p) for p in packs), Offer.of_plan(plan) if plan else None)

    def find(self, offer_id: str) -> Offer | None:
        if offer_id == SUBSCRIPTION_OFFER_ID:
            return self.plan
        return next((o for o in self.packs if o.id == offer_id), None)
