"""A payment whose successful_payment update was lost (confirmed by a process that died,
or whose handler failed) is found in Telegram's Stars transactions at the next start,
credited once and thanked."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.harness import Harness
from tests.payments.support import choose, open_shop, start_paying


async def test_a_lost_payment_update_is_credited_once_at_the_next_start(
    harness: Harness, telegram: TelegramSimulator
) -> None:
    await harness.start(starting_credits=0)
    user = harness.new_user()
    invoice = await choose(harness, user, await open_shop(harness, user), "small")
    await harness.stop()

    # The dying process approves the payment, receives it and confirms it, then dies
    # before crediting (played here by a bare client on the same token).
    bot = Bot(telegram.token, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
    try:
        query = start_paying(harness, user, invoice)
        await bot.answer_pre_checkout_query(query, ok=True)
        updates = await bot.get_updates(timeout=0)
        assert any(u.message and u.message.successful_payment for u in updates)
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    finally:
        await bot.session.close()
    assert telegram.pending_updates() == 0

    after = harness.last_id(user)
    await harness.start(starting_credits=0)
    thanks = await harness.next_message(user, after, lambda m: "✅" in (m.text or ""))
    assert thanks.text == "✅ Payment received: +50 credits. Balance: 50."
    money = await harness.money(user)
    money.check()
    assert [(e.type, e.amount) for e in money.ledger] == [("payment", 50)]

    await harness.stop()
    await harness.start(starting_credits=0)
    await harness.say(user, "/balance")
    money = await harness.money(user)
    assert [(e.type, e.amount) for e in money.ledger] == [("payment", 50)]
    assert len([m for m in telegram.chat(user.id) if "✅" in (m.text or "")]) == 1
