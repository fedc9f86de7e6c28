"""The payments service alone: `Payments` over real Redis and an aiogram Bot talking to
the Telegram simulator, with a clock the test moves, and a buyer who pays for real there."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import SuccessfulPayment
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.config import DEFAULT_PACKS, SubscriptionPlan
from kiebot.payments import InvoiceText, Offer, Payments
from kiebot.sim.telegram import SimUser, TelegramSimulator
from kiebot.store import Keys, Scripts
from tests.billing.support import Clock

PLAN = SubscriptionPlan(credits=300, stars=250)


def words(offer: Offer) -> InvoiceText:
    return InvoiceText(title=f"{offer.total} credits", description="credits", label="credits")


@dataclass
class Recorder:
    """A payment listener that remembers what it was told."""

    calls: list[tuple[int, str, int]] = field(default_factory=list)

    async def payment_received(self, *, user_id: int, charge_id: str, stars: int) -> None:
        self.calls.append((user_id, charge_id, stars))


@dataclass
class Shop:
    payments: Payments
    billing: Billing
    keys: Keys
    redis: Redis
    bot: Bot
    telegram: TelegramSimulator
    clock: Clock
    listener: Recorder
    _offset: int = 0

    async def pay(self, user: SimUser, offer_id: str) -> SuccessfulPayment:
        """`user` buys the offer through the simulator; the successful_payment (not yet
        handed to the service: the test decides how many times)."""
        _, link = await self.payments.invoice_link(user.id, offer_id, words)
        query = self.telegram.pay_invoice_link(user, link)
        await self._updates()
        await self.bot.answer_pre_checkout_query(query, ok=True)
        (update,) = await self._updates()
        assert update.message is not None
        assert update.message.successful_payment is not None
        return update.message.successful_payment

    async def renew(self, charge_id: str) -> SuccessfulPayment:
        self.telegram.renew_subscription(charge_id)
        (update,) = await self._updates()
        assert update.message is not None
        assert update.message.successful_payment is not None
        return update.message.successful_payment

    async def _updates(self) -> list:  # type: ignore[type-arg]
        updates = await self.bot.get_updates(offset=self._offset, timeout=0)
        if updates:
            self._offset = updates[-1].update_id + 1
        return updates

    async def ledger_sum(self, user_id: int) -> int:
        entries = await self.redis.xrange(self.keys.ledger(user_id))
        return sum(int(fields["amount"]) for _, fields in entries)

    async def ledger(self, user_id: int) -> list[tuple[str, int]]:
        entries = await self.billing.ledger(user_id, limit=1000)
        return [(e.type, e.amount) for e in reversed(entries)]


def make_shop(redis: Redis, telegram: TelegramSimulator, *, starting: int = 0) -> Shop:
    keys = Keys(prefix=f"t{uuid.uuid4().hex[:8]}:")
    scripts = Scripts(redis)
    clock = Clock(time.time())  # the simulator dates subscriptions by the real clock
    billing = Billing(redis, keys, scripts, starting_credits=starting, clock=clock)
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.url))
    bot = Bot(telegram.token, session=session)
    listener = Recorder()
    payments = Payments(
        redis, keys, scripts, billing, bot,
        packs=DEFAULT_PACKS, plan=PLAN, listeners=[listener], clock=clock,
    )  # fmt: skip
    return Shop(payments, billing, keys, redis, bot, telegram, clock, listener)
