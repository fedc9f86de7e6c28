"""Playing a buyer through the Telegram simulator: /buy, an offer's button, the invoice
(a sendInvoice message for a pack, a link on a Pay button for the plan), paying it, and
the bot's answers."""

from __future__ import annotations

from kiebot.sim.telegram import SentMessage, SimUser
from tests.e2e.harness import Harness


def pay_link(message: SentMessage) -> str:
    """The invoice link behind the bot's Pay button (the plan's invoice)."""
    (button,) = message.buttons()
    url = button.get("url")
    assert isinstance(url, str), message.buttons()
    assert url.startswith("https://t.me/$"), url
    return url


def is_invoice(message: SentMessage) -> bool:
    return message.kind == "invoice"


async def open_shop(harness: Harness, user: SimUser) -> SentMessage:
    return await harness.say(user, "/buy")


async def choose(harness: Harness, user: SimUser, shop: SentMessage, offer: str) -> SentMessage:
    """Press the offer's button; the bot's invoice message (a pack) or its message with
    the Pay link (the plan)."""
    after = harness.last_id(user)
    query = harness.telegram.press_button(user, shop.message_id, f"buy:{offer}")
    await harness.answer_of(query)
    return await harness.next_message(user, after, lambda m: is_invoice(m) or bool(m.buttons()))


def start_paying(harness: Harness, user: SimUser, invoice: SentMessage | str) -> str:
    """`user` presses Pay on an invoice message (in whatever chat it is: a forwarded copy
    too) or opens an invoice link; the pre_checkout_query id."""
    if isinstance(invoice, str):
        return harness.telegram.pay_invoice_link(user, invoice)
    if is_invoice(invoice):
        return harness.telegram.pay_invoice(user, invoice.message_id, chat_id=invoice.chat_id)
    return harness.telegram.pay_invoice_link(user, pay_link(invoice))


async def pay(harness: Harness, user: SimUser, invoice: SentMessage | str) -> str:
    """Pay an invoice message or link; the pre_checkout_query id, once the bot answered."""
    query = start_paying(harness, user, invoice)
    await harness.telegram.until(lambda: harness.telegram.payment_status(query) != "pending")
    return query


async def buy(harness: Harness, user: SimUser, offer: str) -> SentMessage:
    """The whole purchase; the bot's thank-you message."""
    shop = await open_shop(harness, user)
    invoice = await choose(harness, user, shop, offer)
    after = harness.last_id(user)
    query = await pay(harness, user, invoice)
    assert harness.telegram.payment_status(query) == "approved"
    return await harness.next_message(user, after, lambda m: "✅" in (m.text or ""))
