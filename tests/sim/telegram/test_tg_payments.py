"""Telegram Stars in the simulator: invoice links, subscriptions, pre-checkout's 10 s
window, refunds and subscription edits, with the Bot API's parameter checks."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import LabeledPrice, SuccessfulPayment

from kiebot.sim.telegram import SimUser, TelegramSimulator

MONTH = 2_592_000


def _invoice(**overrides: Any) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "title": "300 credits a month",
        "description": "Credits every month",
        "payload": "subscription:sub:300:0:250:1",
        "currency": "XTR",
        "prices": [LabeledPrice(label="month", amount=250)],
    }
    terms.update(overrides)
    return terms


async def _paid(bot: Bot, sim: TelegramSimulator, user: SimUser, link: str) -> SuccessfulPayment:
    """Pay the link as `user`, approve the pre-checkout; the successful_payment."""
    query = sim.pay_invoice_link(user, link)
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].pre_checkout_query is not None
    assert updates[-1].pre_checkout_query.id == query
    await bot.answer_pre_checkout_query(query, ok=True)
    return await _next_payment(bot, updates[-1].update_id)


async def _next_payment(bot: Bot, last_update: int) -> SuccessfulPayment:
    updates = await bot.get_updates(offset=last_update + 1, timeout=0)
    message = updates[-1].message
    assert message is not None
    assert message.successful_payment is not None
    return message.successful_payment


async def test_a_subscription_link_pays_renews_and_can_be_cancelled(
    sim: TelegramSimulator, bot: Bot, user: SimUser
) -> None:
    link = await bot.create_invoice_link(**_invoice(), subscription_period=MONTH)
    assert link.startswith("https://t.me/$")

    first = await _paid(bot, sim, user, link)
    assert (first.is_recurring, first.is_first_recurring) == (True, True)
    assert first.total_amount == 250
    assert first.subscription_expiration_date is not None
    charge = first.telegram_payment_charge_id

    renewed = sim.renew_subscription(charge)
    updates = await bot.get_updates(timeout=0)
    message = updates[-1].message
    assert message is not None
    assert message.successful_payment is not None
    second = message.successful_payment
    assert second.telegram_payment_charge_id == renewed != charge
    assert second.is_recurring
    assert not second.is_first_recurring
    assert second.subscription_expiration_date == first.subscription_expiration_date + MONTH

    assert await bot.edit_user_star_subscription(user.id, charge, is_canceled=True)
    assert sim.star_subscription(charge).canceled_by_bot
    with pytest.raises(ValueError, match="cancelled"):
        sim.renew_subscription(charge)


async def test_an_unanswered_pre_checkout_fails_after_ten_seconds() -> None:
    now = [1000.0]
    async with TelegramSimulator(clock=lambda: now[0]) as sim:
        from tests.sim.telegram.conftest import aiogram_bot

        bot = aiogram_bot(sim)
        try:
            user = SimUser(42, "Ann")
            link = await bot.create_invoice_link(**_invoice(payload="pack:small:50:0:50:42"))
            query = sim.pay_invoice_link(user, link)
            assert sim.payment_status(query) == "pending"
            now[0] += 10.5
            assert sim.payment_status(query) == "expired"
            with pytest.raises(TelegramBadRequest, match="query is too old"):
                await bot.answer_pre_checkout_query(query, ok=True)
            assert [u for u in await bot.get_updates(timeout=0) if u.message] == []
        finally:
            await bot.session.close()


async def test_a_refused_pre_checkout_charges_nothing(
    sim: TelegramSimulator, bot: Bot, user: SimUser
) -> None:
    link = await bot.create_invoice_link(**_invoice(payload="pack:small:50:0:50:1"))
    query = sim.pay_invoice_link(user, link)
    with pytest.raises(TelegramBadRequest, match="error_message"):
        await bot.answer_pre_checkout_query(query, ok=False)
    await bot.answer_pre_checkout_query(query, ok=False, error_message="Sold out")
    assert sim.payment_status(query) == "refused"
    assert sim.core.default_bot.charges == {}


async def test_refund_once_and_only_to_the_payer(
    sim: TelegramSimulator, bot: Bot, user: SimUser
) -> None:
    link = await bot.create_invoice_link(**_invoice(payload="pack:small:50:0:50:1"))
    paid = await _paid(bot, sim, user, link)
    charge = paid.telegram_payment_charge_id
    assert paid.is_recurring is None
    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(user.id + 1, charge)
    assert await bot.refund_star_payment(user.id, charge)
    assert sim.charge(charge).refunded
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(user.id, charge)


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"subscription_period": 86_400}, "SUBSCRIPTION_PERIOD_INVALID"),
        ({"subscription_period": MONTH, "currency": "USD", "provider_token": "tok"}, "XTR"),
        (
            {"subscription_period": MONTH, "prices": [LabeledPrice(label="m", amount=10_001)]},
            "STARS_INVOICE_INVALID",
        ),
        ({"prices": [LabeledPrice(label="m", amount=0)]}, "STARS_INVOICE_INVALID"),
        (
            {"prices": [LabeledPrice(label="a", amount=1), LabeledPrice(label="b", amount=1)]},
            "STARS_INVOICE_INVALID",
        ),
        ({"provider_token": "284685063:TEST:xyz"}, "PAYMENT_PROVIDER_INVALID"),
        ({"title": "t" * 33}, "INVOICE_TITLE_INVALID"),
        ({"description": "d" * 256}, "INVOICE_DESCRIPTION_INVALID"),
        ({"payload": "p" * 129}, "INVOICE_PAYLOAD_INVALID"),
    ],
)
async def test_invoice_links_are_checked_like_the_bot_api(
    bot: Bot, overrides: dict[str, Any], says: str
) -> None:
    with pytest.raises(TelegramBadRequest, match=says):
        await bot.create_invoice_link(**_invoice(**overrides))


async def test_a_link_of_another_bot_cannot_be_paid(sim: TelegramSimulator, user: SimUser) -> None:
    with pytest.raises(ValueError, match="not an invoice link"):
        sim.pay_invoice_link(user, "https://t.me/$made-up")


async def test_cancelling_needs_a_subscription_charge(
    sim: TelegramSimulator, bot: Bot, user: SimUser
) -> None:
    link = await bot.create_invoice_link(**_invoice(payload="pack:small:50:0:50:1"))
    paid = await _paid(bot, sim, user, link)
    with pytest.raises(TelegramBadRequest, match="SUBSCRIPTION_NOT_FOUND"):
        await bot.edit_user_star_subscription(
            user.id, paid.telegram_payment_charge_id, is_canceled=True
        )


async def test_star_transactions_list_payments_and_refunds_oldest_first(
    sim: TelegramSimulator, bot: Bot, user: SimUser
) -> None:
    link = await bot.create_invoice_link(**_invoice(payload="pack:small:50:0:50:1"))
    paid = await _paid(bot, sim, user, link)
    await bot.refund_star_payment(user.id, paid.telegram_payment_charge_id)

    listed = (await bot.get_star_transactions()).transactions
    assert [t.id for t in listed] == [paid.telegram_payment_charge_id] * 2
    incoming, outgoing = listed
    assert incoming.source is not None
    assert incoming.receiver is None
    assert outgoing.receiver is not None
    assert incoming.amount == 250
    assert getattr(incoming.source, "invoice_payload", None) == "pack:small:50:0:50:1"
    assert (await bot.get_star_transactions(offset=1, limit=1)).transactions[0].receiver
    with pytest.raises(TelegramBadRequest, match="limit"):
        await bot.get_star_transactions(limit=101)


async def test_a_refund_puts_a_refunded_payment_note_in_the_chat(
    sim: TelegramSimulator, bot: Bot, user: SimUser
) -> None:
    link = await bot.create_invoice_link(**_invoice(payload="pack:small:50:0:50:1"))
    paid = await _paid(bot, sim, user, link)
    await bot.refund_star_payment(user.id, paid.telegram_payment_charge_id)
    updates = await bot.get_updates(timeout=0)
    note = updates[-1].message
    assert note is not None
    assert note.refunded_payment is not None
    assert note.refunded_payment.telegram_payment_charge_id == paid.telegram_payment_charge_id
    assert note.refunded_payment.total_amount == 250
