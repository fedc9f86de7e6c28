"""Playing a buyer through the Telegram simulator: /buy, a pack's button, the invoice
link, paying it, and the bot's answers."""

from __future__ import annotations

from kiebot.sim.telegram import SentMessage, SimUser
from tests.e2e.harness import Harness


def pay_link(message: SentMessage) -> str:
    """The invoice link behind the bot's Pay button."""
    (button,) = message.buttons()
    url = button.get("url")
    assert isinstance(url, str), message.buttons()
    assert url.startswith("https://t.me/$"), url
    return url


async def open_shop(harness: Harness, user: SimUser) -> SentMessage:
    return await harness.say(user, "/buy")


async def choose(harness: Harness, user: SimUser, shop: SentMessage, offer: str) -> SentMessage:
    """Press the offer's button; the bot's message with the Pay link."""
    after = harness.last_id(user)
    query = harness.telegram.press_button(user, shop.message_id, f"buy:{offer}")
    await harness.answer_of(query)
    return await harness.next_message(user, after, lambda m: bool(m.buttons()))


async def pay(harness: Harness, user: SimUser, link: str) -> str:
    """Pay the link; the pre_checkout_query id, once the bot answered it."""
    query = harness.telegram.pay_invoice_link(user, link)
    await harness.telegram.until(lambda: harness.telegram.payment_status(query) != "pending")
    return query


async def buy(harness: Harness, user: SimUser, offer: str) -> SentMessage:
    """The whole purchase; the bot's thank-you message."""
    shop = await open_shop(harness, user)
    prompt = await choose(harness, user, shop, offer)
    after = harness.last_id(user)
    query = await pay(harness, user, pay_link(prompt))
    assert harness.telegram.payment_status(query) == "approved"
    return await harness.next_message(user, after, lambda m: "✅" in (m.text or ""))
