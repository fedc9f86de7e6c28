"""Crashes around a successful_payment: `kiebot run` killed with SIGKILL before or after
the credit, restarted on the same Redis; the payment is credited exactly once.

A bot confirms an update only by its next getUpdates, so a proxy in front of the Telegram
simulator decides what the dead process had confirmed: after the successful_payment
reached the bot, every later getUpdates is held and never reaches Telegram, which then
delivers the payment again to the next process (as after a real crash before the
confirmation). To kill the bot before it could credit, the test pauses Redis writes
(CLIENT PAUSE WRITE) before letting the update through: the bot receives the payment and
blocks on its first write, and dies there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from redis.asyncio import Redis

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SentMessage, SimUser, TelegramSimulator
from kiebot.store import Keys, create_redis
from tests.e2e.crash_support import BotLauncher, State, UnconfirmedUpdatesProxy, bot_env, eventually
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow

STARTING = 10
REDIS_DB = 8  # a private database of the session's redis-server (test_crash uses 7)
USER_BASE = 7_200_000_000


class PaymentProxy(UnconfirmedUpdatesProxy):
    """Holds getUpdates only once the successful_payment went out, and (with `gate`
    closed) holds the reply carrying it until the test opens the gate."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.payment_seen = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()
        self.next_poll = asyncio.Event()

    async def _forward(self, request: web.Request) -> web.Response:
        polling = request.path.endswith("/getUpdates")
        if polling and self.blocking and self.delivered.is_set():
            self.next_poll.set()
            await self._release.wait()
            return web.json_response({"ok": True, "result": []})
        payload, status, content_type = await self._pass(request)
        if polling and b'"successful_payment"' in payload:
            self.payment_seen.set()
            await self.gate.wait()
            self.delivered.set()
        return web.Response(body=payload, status=status, content_type=content_type)


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramSimulator]:
    sim = TelegramSimulator()
    await sim.start(host="127.0.0.1", port=0)
    yield sim
    await sim.close()


@pytest.fixture
async def crash_redis(redis_server: RedisServer) -> AsyncIterator[tuple[Redis, str]]:
    url = f"redis://127.0.0.1:{redis_server.port}/{REDIS_DB}"
    client = create_redis(url, pool_size=4, timeout_s=5.0)
    await client.flushdb()
    yield client, url
    await client.execute_command("CLIENT", "UNPAUSE")
    await client.aclose()


@pytest.fixture
async def proxy(telegram: TelegramSimulator) -> AsyncIterator[PaymentProxy]:
    holding = PaymentProxy(telegram.url)
    holding.blocking = True
    await holding.start()
    yield holding
    await holding.close()


@pytest.fixture
async def bots(
    telegram: TelegramSimulator,
    kie: KieSimulator,
    crash_redis: tuple[Redis, str],
    proxy: PaymentProxy,
    tmp_path: Path,
) -> AsyncIterator[BotLauncher]:
    env = bot_env(telegram, proxy.url, kie.url, list(kie.config.keys), crash_redis[1])
    launcher = BotLauncher(env, tmp_path)
    yield launcher
    await launcher.stop_all()


async def buy_until_paid(telegram: TelegramSimulator, user: SimUser) -> None:
    """/buy, the small pack's button, pay its invoice: the bot approves the pre-checkout."""
    telegram.send_text(user, "/buy")
    shop = await telegram.wait_for(user.id, lambda m: bool(m.buttons()), timeout=30)
    telegram.press_button(user, shop.message_id, "buy:small")
    invoice = await telegram.wait_for(user.id, _is_invoice, timeout=10)
    query = telegram.pay_invoice(user, invoice.message_id)
    await telegram.until(lambda: telegram.payment_status(query) == "approved", timeout=10)


def _is_invoice(message: SentMessage) -> bool:
    return message.kind == "invoice"


async def paid_once(state: State, redis: Redis, user: SimUser) -> None:
    """One payment entry of the pack's 50 credits, balance = the ledger's sum."""
    entries = await state.ledger(user.id)
    assert [(e.type, e.amount) for e in entries if e.type == "payment"] == [("payment", 50)]
    account = await state.account(user.id)
    assert account.balance == sum(e.amount for e in entries) == 50
    assert await redis.llen(Keys().user_payments(user.id)) == 1
    assert await redis.get(Keys().revenue_total) == "50"


@pytest.mark.timeout(60)
async def test_kill_9_after_the_credit_before_the_confirmation_credits_once(
    telegram: TelegramSimulator,
    crash_redis: tuple[Redis, str],
    proxy: PaymentProxy,
    bots: BotLauncher,
) -> None:
    redis, _ = crash_redis
    state = State(redis, starting_credits=STARTING)
    first = await bots.start()
    ann = SimUser(USER_BASE + 1, "Ann", language_code="en")
    await buy_until_paid(telegram, ann)

    await eventually(lambda: redis.llen(Keys().user_payments(ann.id)), within=20, what="the credit")
    assert telegram.pending_updates() >= 1  # the payment: handled, not confirmed
    first.kill()
    assert await first.wait(10) == -9
    proxy.blocking = False
    proxy.release()

    second = await bots.start()
    await telegram.until(lambda: telegram.pending_updates() == 0, timeout=30)
    await telegram.wait_for(ann.id, lambda m: "Payment received" in (m.text or ""), timeout=10)
    await paid_once(state, redis, ann)
    assert bots.problems() == [], second.tail()


@pytest.mark.timeout(60)
async def test_kill_9_after_receiving_the_payment_before_the_credit_credits_once(
    telegram: TelegramSimulator,
    crash_redis: tuple[Redis, str],
    proxy: PaymentProxy,
    bots: BotLauncher,
) -> None:
    redis, _ = crash_redis
    state = State(redis, starting_credits=STARTING)
    proxy.gate.clear()
    first = await bots.start()
    ann = SimUser(USER_BASE + 2, "Ann", language_code="en")
    await buy_until_paid(telegram, ann)

    await asyncio.wait_for(proxy.payment_seen.wait(), 20)
    await redis.execute_command("CLIENT", "PAUSE", 60_000, "WRITE")
    proxy.gate.set()  # the bot gets the payment now, and blocks on its first write
    await asyncio.wait_for(proxy.next_poll.wait(), 20)  # it is handling it
    first.kill()
    assert await first.wait(10) == -9
    await redis.execute_command("CLIENT", "UNPAUSE")
    assert await redis.llen(Keys().user_payments(ann.id)) == 0  # died before the credit
    proxy.blocking = False
    proxy.release()

    await bots.start()
    await telegram.wait_for(ann.id, lambda m: "Payment received" in (m.text or ""), timeout=30)
    await telegram.until(lambda: telegram.pending_updates() == 0, timeout=30)
    await paid_once(state, redis, ann)
