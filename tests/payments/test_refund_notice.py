"""Telegram's refunded_payment note reaches the running bot: a refund made without the
bot (Telegram's support) takes the pack's credits, once; the note of the operator's own
refund takes nothing more."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.harness import Harness
from tests.payments.support import buy
from tests.rewards.support import admin


async def settled_status(harness: Harness, charge: str, status: str) -> None:
    """Wait until the bot has handled the note (the payment shows `status`)."""
    async with asyncio.timeout(10):
        while True:
            payment = await harness.running.payments.payment(charge)
            if payment is not None and payment.status == status:
                return
            await asyncio.sleep(0.02)


async def test_a_refund_outside_the_bot_takes_the_credits_once(
    harness: Harness, telegram: TelegramSimulator
) -> None:
    await harness.start(starting_credits=0)
    ann, ben = harness.new_user("Ann"), harness.new_user("Ben")
    await buy(harness, ann, "small")
    await buy(harness, ben, "small")
    (ann_charge,) = [p.charge_id for p in await harness.running.payments.payments_of(ann.id)]
    (ben_charge,) = [p.charge_id for p in await harness.running.payments.payments_of(ben.id)]

    # Telegram's support refunds Ann (played by a bare client on the bot's token).
    support = Bot(
        telegram.token, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url))
    )
    try:
        await support.refund_star_payment(ann.id, ann_charge)
    finally:
        await support.session.close()
    await settled_status(harness, ann_charge, "refunded")
    # The operator refunds Ben through the admin API; its note arrives afterwards.
    status, _ = await admin(
        harness, "POST", f"/api/payments/{ben_charge}/refund", {"reason": "asked"}
    )
    assert status == 200
    await harness.say(ben, "/balance")  # the note came before this reply

    for user in (ann, ben):
        money = await harness.money(user)
        money.check()
        assert [(e.type, e.amount) for e in money.ledger] == [("payment", 50), ("refund", -50)]
