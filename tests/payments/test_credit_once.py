"""A successful_payment credits its pack exactly once, keyed by the charge id."""

from __future__ import annotations

import asyncio

from kiebot.sim.telegram import SimUser
from tests.payments.service_support import Shop

ANN = SimUser(2**32 + 501, "Ann")


async def test_the_same_payment_twice_credits_once_and_counts_revenue_once(shop: Shop) -> None:
    paid = await shop.pay(ANN, "medium")
    first = await shop.payments.record_payment(ANN.id, paid)
    again = await shop.payments.record_payment(ANN.id, paid)

    assert (first.credits, first.balance, first.duplicate) == (115, 115, False)
    assert (again.balance, again.duplicate) == (115, True)
    assert await shop.ledger(ANN.id) == [("payment", 115)]
    assert await shop.ledger_sum(ANN.id) == 115
    (payment,) = await shop.payments.payments_of(ANN.id)
    assert (payment.charge_id, payment.stars, payment.pack) == (
        paid.telegram_payment_charge_id, 100, "medium",
    )  # fmt: skip
    assert await shop.payments.revenue_stars(1) == 100
    # Listeners hear both (they must be idempotent themselves).
    assert shop.listener.calls == [(ANN.id, paid.telegram_payment_charge_id, 100)] * 2


async def test_concurrent_deliveries_of_one_payment_credit_once(shop: Shop) -> None:
    paid = await shop.pay(ANN, "small")
    receipts = await asyncio.gather(*(shop.payments.record_payment(ANN.id, paid) for _ in range(8)))
    assert sorted(r.duplicate for r in receipts) == [False] + [True] * 7
    account = await shop.billing.account(ANN.id)
    assert account is not None
    assert account.balance == 50 == await shop.ledger_sum(ANN.id)


async def test_revenue_counts_the_last_days_by_utc_day(shop: Shop) -> None:
    await shop.payments.record_payment(ANN.id, await shop.pay(ANN, "small"))
    shop.clock.advance(86_400)
    await shop.payments.record_payment(ANN.id, await shop.pay(ANN, "large"))
    assert await shop.payments.revenue_stars(1) == 250
    assert await shop.payments.revenue_stars(2) == 300
    shop.clock.advance(2 * 86_400)
    assert await shop.payments.revenue_stars(2) == 0
    assert await shop.payments.revenue_stars(4) == 300
