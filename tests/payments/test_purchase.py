"""Buying credits end to end: the real process, the Telegram simulator, real Redis."""

from __future__ import annotations

from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.harness import STARTING_CREDITS, Harness
from tests.payments.support import buy, choose, open_shop, pay


async def test_buying_a_pack_credits_it_once_and_shows_in_balance_and_ledger(
    harness: Harness, telegram: TelegramSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    await harness.start_chat(user)

    shop = await open_shop(harness, user)
    labels = [b["text"] for b in shop.buttons()]
    assert "100 + 15 bonus credits · 100 ⭐" in labels, labels
    invoice = await choose(harness, user, shop, "medium")
    # A real Stars invoice (sendInvoice): Telegram's own Pay button, XTR, the pack's price.
    assert invoice.kind == "invoice"
    assert invoice.extra["invoice"]["title"] == "115 credits"
    assert (invoice.extra["invoice"]["currency"], invoice.extra["invoice"]["total_amount"]) == (
        "XTR",
        100,
    )
    assert invoice.meta["payload"] == f"pack:medium:100:15:100:{user.id}"

    after = harness.last_id(user)
    query = await pay(harness, user, invoice)
    assert telegram.payment_status(query) == "approved"
    thanks = await harness.next_message(user, after, lambda m: "✅" in (m.text or ""))
    assert thanks.text == f"✅ Payment received: +115 credits. Balance: {STARTING_CREDITS + 115}."

    money = await harness.money(user)
    money.check()
    (payment,) = money.entries("payment")
    assert (payment.amount, payment.balance_after) == (115, STARTING_CREDITS + 115)
    records = await harness.running.payments.payments_of(user.id)
    assert [(p.pack, p.stars, p.credits, p.status) for p in records] == [
        ("medium", 100, 115, "paid")
    ]
    assert payment.ref == records[0].charge_id
    assert await harness.running.payments.revenue_stars(1) == 100

    balance = await harness.say(user, "/balance")
    assert f"Balance: {STARTING_CREDITS + 115} credits." in (balance.text or "")
    assert "purchase · +115" in (balance.text or "")
    assert "welcome credits · +10" in (balance.text or "")


async def test_a_spent_pack_buys_generations(harness: Harness) -> None:
    await harness.start(starting_credits=0)
    user = harness.new_user()
    await buy(harness, user, "small")
    status = await harness.say(user, "a lighthouse at dawn")
    await harness.wait_final(user, status)
    money = await harness.settled(user)
    assert money.balance == 50 - 1
