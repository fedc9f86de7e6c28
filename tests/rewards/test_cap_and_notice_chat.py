"""The daily spending cap and the low-balance notice end to end, as the user sees them."""

from __future__ import annotations

from kiebot.sim.telegram import SimUser
from tests.e2e.harness import Harness
from tests.rewards.support import admin

PRICE = 1  # z-image in the bundled catalog
NOTICE = "💡 Your balance is down to {} credits. /buy tops it up."


async def generate(harness: Harness, user: SimUser, prompt: str) -> str:
    """Run one prompt to its end; the final status text."""
    status = await harness.say(user, prompt)
    return (await harness.wait_final(user, status)).text or ""


async def test_a_cap_refuses_the_job_past_it_charging_nothing(harness: Harness) -> None:
    await harness.start()
    user = harness.new_user()
    await harness.start_chat(user)

    shown = await harness.say(user, "/cap 1")
    assert shown.text == (
        "Daily spending cap: 1 credit. Spent today: 0, left: 1.\n"
        "It resets at 00:00 UTC. /cap off removes it."
    )
    assert await generate(harness, user, "a red fox") == f"✅ Done. {PRICE} credit spent."
    refused = await harness.say(user, "a blue fox")
    assert refused.text == (
        "Your daily spending cap of 1 credit is reached: 1 spent today, this costs 1. "
        "Nothing was charged. The cap resets at 00:00 UTC; change it with /cap."
    )
    assert len(await harness.jobs_of(user)) == 1
    money = await harness.settled(user)
    assert len(money.entries("reservation")) == 1

    removed = await harness.say(user, "/cap off")
    assert removed.text == (
        "No daily spending cap. Spent today: 1 credit.\nSet one with e.g. /cap 50."
    )
    assert await generate(harness, user, "a green fox") == f"✅ Done. {PRICE} credit spent."
    invalid = await harness.say(user, "/cap lots")
    assert (invalid.text or "").startswith("The daily cap is a whole number of credits")


async def test_the_low_balance_notice_comes_once_per_crossing(harness: Harness) -> None:
    await harness.start(starting_credits=5, low_balance=5)
    user = harness.new_user()
    await harness.start_chat(user)
    await admin(
        harness, "POST", "/api/promo", {"code": "TOPUP", "credits": 5, "uses": 9, "days": 1}
    )

    await generate(harness, user, "one")  # 5 -> 4: crossed
    first = await harness.telegram.wait_for(user.id, lambda m: m.text == NOTICE.format(4))
    await generate(harness, user, "two")  # 4 -> 3: the same crossing, no notice
    await harness.say(user, "/promo topup")  # 3 -> 8: back above the threshold
    await harness.running.billing.adjust(user.id, -4, reason="test", actor="operator")  # 4
    await generate(harness, user, "three")  # 4 -> 3: crossed again
    second = await harness.telegram.wait_for(
        user.id, lambda m: m.text == NOTICE.format(3) and m.message_id > first.message_id
    )

    notices = [m for m in harness.telegram.chat(user.id) if (m.text or "").startswith("💡")]
    assert [m.message_id for m in notices] == [first.message_id, second.message_id]
    money = await harness.settled(user)
    assert money.balance == 3
