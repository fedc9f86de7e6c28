"""The monthly plan through the bot: subscribe from /buy, a renewal credits the next
month, /subscription cancels it; and a pre-checkout refusal the payer can read."""

from __future__ import annotations

from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.harness import Harness
from tests.payments.support import choose, open_shop, pay, pay_link


async def test_subscribe_renew_and_cancel_through_the_bot(
    harness: Harness, telegram: TelegramSimulator
) -> None:
    await harness.start(starting_credits=0)
    user = harness.new_user()

    shop = await open_shop(harness, user)
    assert "🔁 300 credits every month · 250 ⭐/month" in [b["text"] for b in shop.buttons()]
    prompt = await choose(harness, user, shop, "sub")
    after = harness.last_id(user)
    await pay(harness, user, pay_link(prompt))
    thanks = await harness.next_message(user, after, lambda m: "✅" in (m.text or ""))
    assert (thanks.text or "").startswith("✅ Subscription paid: +300 credits. Balance: 300.")

    (payment,) = await harness.running.payments.payments_of(user.id)
    after = harness.last_id(user)
    telegram.renew_subscription(payment.charge_id)
    renewed = await harness.next_message(user, after, lambda m: "✅" in (m.text or ""))
    assert "Balance: 600." in (renewed.text or "")

    again = await open_shop(harness, user)
    assert "🔁 Your subscription gives 300 credits a month" in (again.text or "")
    assert not any(b.get("callback_data") == "buy:sub" for b in again.buttons())

    status = await harness.say(user, "/subscription")
    assert "renews automatically" in (status.text or "")
    after = harness.last_id(user)
    telegram.press_button(user, status.message_id, "subcancel:1")
    done = await harness.next_message(user, after, lambda m: "cancelled" in (m.text or ""))
    assert "No more charges" in (done.text or "")
    assert telegram.star_subscription(payment.charge_id).canceled_by_bot
    status = await harness.say(user, "/subscription")
    assert "will not renew" in (status.text or "")

    money = await harness.money(user)
    money.check()
    assert [(e.type, e.amount) for e in money.ledger] == [("payment", 300), ("payment", 300)]


async def test_an_invoice_paid_by_someone_else_is_refused_in_their_language(
    harness: Harness, telegram: TelegramSimulator
) -> None:
    await harness.start()
    ann = harness.new_user("Ann", "en")
    boris = harness.new_user("Boris", "ru")
    invoice = await choose(harness, ann, await open_shop(harness, ann), "small")

    # Ann forwards her invoice: with no start_parameter the copy keeps its Pay button.
    query = await pay(harness, boris, invoice)
    record = telegram.core.default_bot.pre_checkouts[query]
    assert telegram.payment_status(query) == "refused"
    assert record.error_message == (
        "Этот счёт выставлен другому пользователю. Откройте /buy, чтобы получить свой."
    )
    assert await harness.running.payments.payments_of(boris.id) == []
