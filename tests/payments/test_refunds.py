"""Operator refunds of Stars payments: the Stars go back once, the credits leave once,
spent credits are not taken unless forced (and never below zero), and an interrupted
refund resumes without taking twice."""

from __future__ import annotations

import pytest

from kiebot.payments import (
    AlreadyRefunded,
    CreditsAlreadySpent,
    PaymentNotFound,
    RefundRefused,
)
from kiebot.sim.telegram import SimUser
from tests.payments.service_support import Shop

ANN = SimUser(2**32 + 701, "Ann")


async def bought(shop: Shop, offer: str = "medium") -> str:
    paid = await shop.pay(ANN, offer)
    await shop.payments.record_payment(ANN.id, paid)
    return paid.telegram_payment_charge_id


async def test_a_refund_returns_the_stars_and_takes_the_credits_once(shop: Shop) -> None:
    charge = await bought(shop)
    refund = await shop.payments.refund(charge, force=False, reason="asked by the user")
    assert (refund.debited, refund.balance) == (115, 0)
    assert shop.telegram.charge(charge).refunded
    payment = await shop.payments.payment(charge)
    assert payment is not None
    assert payment.status == "refunded"
    assert payment.refund_reason == "asked by the user"
    assert await shop.ledger(ANN.id) == [("payment", 115), ("refund", -115)]

    with pytest.raises(AlreadyRefunded):
        await shop.payments.refund(charge, force=False, reason="again")
    with pytest.raises(AlreadyRefunded):
        await shop.payments.refund(charge, force=True, reason="again, forced")
    assert await shop.ledger(ANN.id) == [("payment", 115), ("refund", -115)]


async def test_spent_credits_refuse_the_refund_unless_forced(shop: Shop) -> None:
    charge = await bought(shop)
    await shop.billing.adjust(ANN.id, -100, reason="spent on generations", actor="test")

    with pytest.raises(CreditsAlreadySpent) as refused:
        await shop.payments.refund(charge, force=False, reason="asked")
    assert (refused.value.balance, refused.value.credits) == (15, 115)
    assert not shop.telegram.charge(charge).refunded
    payment = await shop.payments.payment(charge)
    assert payment is not None
    assert payment.status == "paid"

    forced = await shop.payments.refund(charge, force=True, reason="chargeback")
    assert (forced.debited, forced.balance) == (15, 0)
    assert shop.telegram.charge(charge).refunded
    assert await shop.ledger_sum(ANN.id) == 0


async def test_an_unknown_payment_cannot_be_refunded(shop: Shop) -> None:
    with pytest.raises(PaymentNotFound):
        await shop.payments.refund("stxNOPE", force=False, reason="x")


async def test_a_refund_telegram_refuses_gives_the_credits_back(shop: Shop) -> None:
    charge = await bought(shop)
    # Telegram no longer knows the charge (say, refunded to another user id): it refuses.
    shop.telegram.charge(charge).user_id += 1
    with pytest.raises(RefundRefused, match="CHARGE_NOT_FOUND"):
        await shop.payments.refund(charge, force=False, reason="asked")
    account = await shop.billing.account(ANN.id)
    assert account is not None
    assert account.balance == 115 == await shop.ledger_sum(ANN.id)
    payment = await shop.payments.payment(charge)
    assert payment is not None
    assert payment.status == "paid"

    shop.telegram.charge(charge).user_id -= 1
    refund = await shop.payments.refund(charge, force=False, reason="asked again")
    assert refund.debited == 115
    assert await shop.ledger(ANN.id) == [
        ("payment", 115), ("refund", -115), ("refund_revert", 115), ("refund", -115),
    ]  # fmt: skip


async def test_a_refund_interrupted_before_telegram_resumes_without_taking_twice(
    shop: Shop,
) -> None:
    charge = await bought(shop)
    await begin_only(shop, charge)  # the process died right after the first step
    refund = await shop.payments.refund(charge, force=False, reason="retry")
    assert refund.debited == 115
    assert shop.telegram.charge(charge).refunded
    assert await shop.ledger(ANN.id) == [("payment", 115), ("refund", -115)]


async def test_a_refund_interrupted_after_telegram_refunded_settles_once(shop: Shop) -> None:
    charge = await bought(shop)
    await begin_only(shop, charge)
    await shop.bot.refund_star_payment(ANN.id, charge)  # ... and died before settling
    refund = await shop.payments.refund(charge, force=False, reason="retry")
    assert refund.debited == 115
    payment = await shop.payments.payment(charge)
    assert payment is not None
    assert payment.status == "refunded"
    assert await shop.ledger(ANN.id) == [("payment", 115), ("refund", -115)]


async def begin_only(shop: Shop, charge: str) -> None:
    k = shop.keys
    keys = [k.payment(charge), k.user(ANN.id), k.ledger(ANN.id), k.applied(ANN.id)]
    reply = await shop.payments._scripts.payment_refund_begin(
        keys=keys, args=[charge, str(ANN.id), "0", "first try", "1"]
    )
    assert reply[0] == "pending"


async def test_a_refund_made_without_the_bot_takes_the_credits_once(shop: Shop) -> None:
    """Telegram's refunded_payment note of a refund the bot did not make (Telegram's
    support): the Stars went back, so the credits leave, once, never below zero."""
    charge = await bought(shop)
    await shop.billing.adjust(ANN.id, -100, reason="spent on generations", actor="test")
    await shop.bot.refund_star_payment(ANN.id, charge)  # not through Payments.refund

    settled = await shop.payments.record_refund(charge)
    assert settled is not None
    assert (settled.debited, settled.balance) == (15, 0)
    assert await shop.payments.record_refund(charge) is None  # the note redelivered
    payment = await shop.payments.payment(charge)
    assert payment is not None
    assert payment.status == "refunded"
    with pytest.raises(AlreadyRefunded):
        await shop.payments.refund(charge, force=True, reason="again")
    assert await shop.ledger(ANN.id) == [("payment", 115), ("adjustment", -100), ("refund", -15)]
    assert await shop.ledger_sum(ANN.id) == 0


async def test_the_note_of_the_operators_refund_takes_nothing_more(shop: Shop) -> None:
    charge = await bought(shop)
    await shop.payments.refund(charge, force=False, reason="asked")
    assert await shop.payments.record_refund(charge) is None
    assert await shop.ledger(ANN.id) == [("payment", 115), ("refund", -115)]


async def test_the_note_settles_a_refund_whose_answer_was_lost(shop: Shop) -> None:
    charge = await bought(shop)
    await begin_only(shop, charge)  # credits taken, then Telegram's answer never came
    await shop.bot.refund_star_payment(ANN.id, charge)

    settled = await shop.payments.record_refund(charge)
    assert settled is not None
    assert settled.balance == 0
    payment = await shop.payments.payment(charge)
    assert payment is not None
    assert payment.status == "refunded"
    assert await shop.ledger(ANN.id) == [("payment", 115), ("refund", -115)]
    assert await shop.payments.record_refund("stxNOPE") is None
