"""The admin JSON API for money, over HTTP against the running process: a user's ledger
and payments, and refunds (once; refused when spent unless forced)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser, TelegramSimulator
from tests.e2e.harness import STARTING_CREDITS, Harness
from tests.payments.support import buy

AUTH = {"Authorization": "Bearer e2e-admin-token"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, harness: Harness, method: str, path: str, **kwargs: Any
) -> tuple[int, Any]:
    url = harness.running.admin_url + path
    async with http.request(method, url, headers=kwargs.pop("headers", AUTH), **kwargs) as reply:
        return reply.status, await reply.json()


async def bought(harness: Harness, user: SimUser) -> str:
    await harness.start_chat(user)
    await buy(harness, user, "small")
    (payment,) = await harness.running.payments.payments_of(user.id)
    return payment.charge_id


async def test_ledger_and_payments_of_a_buyer(
    harness: Harness, http: aiohttp.ClientSession
) -> None:
    await harness.start()
    user = harness.new_user()
    charge = await bought(harness, user)

    status, ledger = await call(http, harness, "GET", f"/api/users/{user.id}/ledger")
    assert status == 200
    assert [(e["type"], e["amount"], e["balance_after"]) for e in ledger["entries"]] == [
        ("payment", 50, STARTING_CREDITS + 50),
        ("grant", STARTING_CREDITS, STARTING_CREDITS),
    ]
    assert ledger["entries"][0]["ref"] == charge
    assert {"id", "reason", "time"} <= set(ledger["entries"][0])

    status, payments = await call(http, harness, "GET", f"/api/users/{user.id}/payments")
    assert status == 200
    (payment,) = payments["payments"]
    assert (payment["charge_id"], payment["stars"], payment["credits"]) == (charge, 50, 50)
    assert payment["status"] == "paid"

    assert (await call(http, harness, "GET", "/api/users/1/ledger"))[0] == 404
    assert (await call(http, harness, "GET", f"/api/users/{user.id}/ledger?limit=0"))[0] == 400
    assert (await call(http, harness, "GET", f"/api/users/{user.id}/ledger", headers={}))[0] == 401


async def test_refund_once_through_the_api(
    harness: Harness, telegram: TelegramSimulator, http: aiohttp.ClientSession
) -> None:
    await harness.start()
    user = harness.new_user()
    charge = await bought(harness, user)
    path = f"/api/payments/{charge}/refund"

    status, body = await call(http, harness, "POST", path, json={"force": "yes", "reason": "x"})
    assert status == 400, body
    status, body = await call(http, harness, "POST", path, json={"force": False, "reason": ""})
    assert status == 400, body

    status, body = await call(http, harness, "POST", path, json={"reason": "asked by the user"})
    assert status == 200, body
    assert (body["debited"], body["balance"], body["status"]) == (50, STARTING_CREDITS, "refunded")
    assert telegram.charge(charge).refunded
    # Telegram's refunded_payment note reaches the bot, which handles it silently.
    await telegram.until(lambda: telegram.pending_updates() == 0)
    assert not [m for m in telegram.chat(user.id) if "I understand" in (m.text or "")]

    status, body = await call(http, harness, "POST", path, json={"reason": "again"})
    assert status == 409
    assert "refunded" in body["error"]
    missing = await call(http, harness, "POST", "/api/payments/nope/refund", json={"reason": "x"})
    assert missing[0] == 404
    money = await harness.money(user)
    money.check()
    assert [(e.type, e.amount) for e in money.ledger] == [
        ("grant", STARTING_CREDITS), ("payment", 50), ("refund", -50),
    ]  # fmt: skip


async def test_a_spent_payment_needs_force_and_never_goes_below_zero(
    harness: Harness, http: aiohttp.ClientSession
) -> None:
    await harness.start()
    user = harness.new_user()
    charge = await bought(harness, user)
    await harness.running.billing.adjust(user.id, -55, reason="spent", actor="test")
    path = f"/api/payments/{charge}/refund"

    status, body = await call(http, harness, "POST", path, json={"reason": "chargeback"})
    assert status == 409
    assert (body["balance"], body["credits"]) == (5, 50)
    status, body = await call(
        http, harness, "POST", path, json={"force": True, "reason": "chargeback"}
    )
    assert status == 200
    assert (body["debited"], body["balance"]) == (5, 0)
    (await harness.money(user)).check()


async def test_a_failed_generation_is_released_in_the_ledger(
    harness: Harness, kie: KieSimulator, http: aiohttp.ClientSession
) -> None:
    await harness.start()
    user = harness.new_user()
    await harness.start_chat(user)
    kie.fail_next(1, fail_code="500", fail_msg="internal error")
    status = await harness.say(user, "something that fails")
    final = await harness.wait_final(user, status)
    assert (final.text or "").startswith("❌")  # and says the credit came back:
    assert "1 credit" in (final.text or "")

    _, ledger = await call(http, harness, "GET", f"/api/users/{user.id}/ledger")
    moves = [(e["type"], e["amount"]) for e in reversed(ledger["entries"])]
    assert moves[-2:] == [("reservation", -1), ("release", 1)]
    reply = await harness.say(user, "/balance")
    assert "generation refunded · +1" in (reply.text or "")
