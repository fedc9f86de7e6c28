"""Pre-checkout: the payload must name today's offer at today's price, for the payer,
who is not banned; the plan is sold once while it runs."""

from __future__ import annotations

from kiebot.payments.offers import Offer
from kiebot.payments.service import ALREADY_SUBSCRIBED, BANNED, NOT_YOURS, OFFER_CHANGED
from kiebot.sim.telegram import SimUser
from tests.payments.service_support import Shop

ANN = SimUser(2**32 + 601, "Ann")
BOB = SimUser(2**32 + 602, "Bob")
SMALL = Offer("pack", "small", 50, 0, 50)


async def review(shop: Shop, user_id: int, payload: str, amount: int = 50) -> str | None:
    return await shop.payments.review_checkout(
        user_id=user_id, currency="XTR", total_amount=amount, payload=payload
    )


async def test_todays_offer_for_its_buyer_is_accepted(shop: Shop) -> None:
    assert await review(shop, ANN.id, SMALL.payload(ANN.id)) is None


async def test_a_changed_or_unknown_offer_is_refused(shop: Shop) -> None:
    cheaper = Offer("pack", "small", 50, 0, 1)
    assert await review(shop, ANN.id, cheaper.payload(ANN.id), amount=1) == OFFER_CHANGED
    richer = Offer("pack", "small", 5000, 0, 50)
    assert await review(shop, ANN.id, richer.payload(ANN.id)) == OFFER_CHANGED
    assert await review(shop, ANN.id, SMALL.payload(ANN.id), amount=49) == OFFER_CHANGED
    gone = Offer("pack", "legacy", 50, 0, 50)
    assert await review(shop, ANN.id, gone.payload(ANN.id)) == OFFER_CHANGED
    assert await review(shop, ANN.id, "not ours") == OFFER_CHANGED
    refused_currency = await shop.payments.review_checkout(
        user_id=ANN.id, currency="USD", total_amount=50, payload=SMALL.payload(ANN.id)
    )
    assert refused_currency == OFFER_CHANGED


async def test_an_invoice_made_for_someone_else_is_refused(shop: Shop) -> None:
    assert await review(shop, BOB.id, SMALL.payload(ANN.id)) == NOT_YOURS


async def test_a_banned_user_cannot_pay(shop: Shop) -> None:
    await shop.billing.set_banned(ANN.id, True)
    assert await review(shop, ANN.id, SMALL.payload(ANN.id)) == BANNED


async def test_the_plan_is_refused_while_one_runs(shop: Shop) -> None:
    plan = shop.payments.offer_of("sub")
    assert await review(shop, ANN.id, plan.payload(ANN.id), amount=250) is None
    await shop.payments.record_payment(ANN.id, await shop.pay(ANN, "sub"))
    assert await review(shop, ANN.id, plan.payload(ANN.id), amount=250) == ALREADY_SUBSCRIBED
    shop.clock.advance(31 * 86_400)
    assert await review(shop, ANN.id, plan.payload(ANN.id), amount=250) is None
