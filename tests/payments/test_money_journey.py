"""Issue 4's "done when", in one run of the real process: a user buys credits with Stars,
spends them, gets them back when a generation fails, redeems a promo code, and the friend
who invited them earns the referral bonus; every movement is in both ledgers (and in the
admin JSON API), with balance = the sum of the ledger and held = the open reservations."""

from __future__ import annotations

from kiebot.sim.kie import KieSimulator
from tests.e2e.harness import Harness, Money
from tests.payments.support import buy
from tests.rewards.support import admin
from tests.rewards.test_referral_chat import BONUS, invite_payload

START = 10


def check_invariants(money: Money) -> None:
    """balance = sum(ledger) >= 0, and held = the reservations not yet captured or
    released (DESIGN invariant 1)."""
    money.check()
    reserved = {e.ref: -e.amount for e in money.entries("reservation")}
    settled = {e.ref for e in money.ledger if e.type in ("capture", "release")}
    assert money.held == sum(price for job, price in reserved.items() if job not in settled)


async def test_buy_spend_get_back_redeem_and_earn_all_in_the_ledger(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start(starting_credits=START)
    alice, bob = harness.new_user("Alice"), harness.new_user("Bob")
    await harness.start_chat(alice)
    await harness.say(bob, f"/start {await invite_payload(harness, alice)}")

    thanks = await buy(harness, bob, "small")  # 50 credits for 50 Stars
    assert thanks.text == f"✅ Payment received: +50 credits. Balance: {START + 50}."

    done = await harness.wait_final(bob, await harness.say(bob, "a lighthouse at dawn"))
    assert (done.text or "").startswith("✅ Done")
    kie.fail_next(1, fail_code="500", fail_msg="internal error")
    failed = await harness.wait_final(bob, await harness.say(bob, "something that fails"))
    assert (failed.text or "").startswith("❌")  # and says the credit came back:
    assert "1 credit" in (failed.text or "")

    status, _ = await admin(
        harness, "POST", "/api/promo", {"code": "JOURNEY", "credits": 7, "uses": 1, "days": 1}
    )
    assert status == 201
    redeemed = await harness.say(bob, "/promo journey")
    assert "+7 credits" in (redeemed.text or "")

    bob_money = await harness.settled(bob)
    check_invariants(bob_money)
    assert [e.type for e in bob_money.ledger] == [
        "grant", "payment", "reservation", "capture", "reservation", "release", "promo",
    ]  # fmt: skip
    assert bob_money.balance == START + 50 - 1 + 7
    alice_money = await harness.money(alice)
    check_invariants(alice_money)
    assert [(e.type, e.amount, e.ref) for e in alice_money.ledger] == [
        ("grant", START, "start"),
        ("referral", BONUS, str(bob.id)),
    ]

    status, api = await admin(harness, "GET", f"/api/users/{bob.id}/ledger")
    assert status == 200
    rows = list(reversed(api["entries"]))
    assert [(r["type"], r["amount"], r["balance_after"]) for r in rows] == [
        (e.type, e.amount, e.balance_after) for e in bob_money.ledger
    ]
    assert all(r["time"] > 0 and r["id"] for r in rows)
    balance = await harness.say(bob, "/balance")
    assert f"Balance: {bob_money.balance} credits." in (balance.text or "")
