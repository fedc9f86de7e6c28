"""The monthly Stars plan: each paid period grants its credits once, renewals extend it,
cancelling stops renewals at Telegram and keeps the paid period."""

from __future__ import annotations

import pytest

from kiebot.payments import NoSubscription
from kiebot.sim.telegram import SimUser
from tests.payments.service_support import PLAN, Shop

ANN = SimUser(2**32 + 801, "Ann")
MONTH = 2_592_000


async def test_each_period_grants_its_credits_once(shop: Shop) -> None:
    first = await shop.pay(ANN, "sub")
    receipt = await shop.payments.record_payment(ANN.id, first)
    assert (receipt.credits, receipt.balance) == (PLAN.credits, PLAN.credits)
    subscription = await shop.payments.active_subscription(ANN.id)
    assert subscription is not None
    assert subscription.charge_id == first.telegram_payment_charge_id
    assert subscription.expires_at == first.subscription_expiration_date

    renewal = await shop.renew(first.telegram_payment_charge_id)
    await shop.payments.record_payment(ANN.id, renewal)
    await shop.payments.record_payment(ANN.id, renewal)  # redelivered
    assert await shop.ledger(ANN.id) == [("payment", 300), ("payment", 300)]
    renewed = await shop.payments.active_subscription(ANN.id)
    assert renewed is not None
    assert renewed.charge_id == first.telegram_payment_charge_id  # still names the plan
    assert renewed.expires_at == subscription.expires_at + MONTH
    assert await shop.payments.revenue_stars(1) == 2 * PLAN.stars


async def test_cancelling_stops_renewals_and_keeps_the_paid_period(shop: Shop) -> None:
    first = await shop.pay(ANN, "sub")
    await shop.payments.record_payment(ANN.id, first)
    charge = first.telegram_payment_charge_id

    cancelled = await shop.payments.cancel_subscription(ANN.id)
    assert cancelled.cancelled
    assert shop.telegram.star_subscription(charge).canceled_by_bot
    with pytest.raises(ValueError, match="cancelled"):
        shop.telegram.renew_subscription(charge)
    still = await shop.payments.active_subscription(ANN.id)
    assert still is not None
    assert still.cancelled
    with pytest.raises(NoSubscription):
        await shop.payments.cancel_subscription(ANN.id)

    shop.clock.advance(MONTH + 1)
    assert await shop.payments.active_subscription(ANN.id) is None
    account = await shop.billing.account(ANN.id)
    assert account is not None
    assert account.balance == PLAN.credits


async def test_cancelling_without_a_plan_is_refused(shop: Shop) -> None:
    with pytest.raises(NoSubscription):
        await shop.payments.cancel_subscription(ANN.id)
