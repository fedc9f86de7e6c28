"""The admin commands in the bot: only for KIEBOT_ADMIN_IDS, invisible to anyone else."""

from __future__ import annotations

import pytest

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.harness import STARTING_CREDITS, Harness
from tests.ops.support import ADMIN_ID, admin_user


async def _start(harness: Harness) -> None:
    await harness.start(admin_ids=frozenset({ADMIN_ID}))


@pytest.mark.parametrize("command", ["/stats", "/grant 1 5 gift", "/broadcast hello"])
async def test_commands_are_unknown_to_other_users(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator, command: str
) -> None:
    await _start(harness)
    user = harness.new_user()
    unknown = await harness.say(user, "/nosuchcommand")

    reply = await harness.say(user, command)

    assert reply.text == unknown.text  # the same answer as any unknown command
    assert await harness.running.redis.get("kb:broadcast:current") is None


async def test_stats_for_an_admin(harness: Harness, telegram: TelegramSimulator) -> None:
    await _start(harness)
    user = harness.new_user()
    await harness.start_chat(user)
    status = await harness.say(user, "a quiet harbour")
    await harness.wait_final(user, status)

    reply = await harness.say(admin_user(), "/stats")

    text = reply.text or ""
    assert "Users: 1 (new today 1, blocked the bot 0)" in text, text  # the admin never /start-ed
    assert "Jobs today: done 1" in text, text
    assert "Revenue: 0 ⭐ today, 0 ⭐ in 7 days" in text, text


async def test_grant_and_deduct_with_a_reason(
    harness: Harness, telegram: TelegramSimulator
) -> None:
    await _start(harness)
    user = harness.new_user()
    await harness.start_chat(user)

    reply = await harness.say(admin_user(), f"/grant {user.id} 25 contest prize")
    assert reply.text == (
        f"✅ +25 credits for user {user.id} (contest prize). Balance now: {STARTING_CREDITS + 25}."
    )
    reply = await harness.say(admin_user(), f"/grant {user.id} -5 duplicate prize")
    assert f"Balance now: {STARTING_CREDITS + 20}." in (reply.text or "")

    money = await harness.money(user)
    money.check()
    adjustments = money.entries("adjustment")
    assert [(e.amount, e.reason) for e in adjustments] == [
        (25, "contest prize"),
        (-5, "duplicate prize"),
    ]
    assert all(e.ref == f"admin:{ADMIN_ID}" for e in adjustments)


@pytest.mark.parametrize(
    "args",
    ["", "12345", "12345 10", "bob 10 gift", "12345 ten gift", "12345 0 nothing", "-3 10 gift"],
)
async def test_a_malformed_grant_says_how_and_changes_nothing(
    harness: Harness, telegram: TelegramSimulator, args: str
) -> None:
    await _start(harness)
    reply = await harness.say(admin_user(), f"/grant {args}".strip())

    assert (reply.text or "").startswith("Usage: /grant <user id> <credits> <reason>")
    assert await harness.running.billing.account(12345) is None


async def test_a_deduction_below_zero_is_refused(
    harness: Harness, telegram: TelegramSimulator
) -> None:
    await _start(harness)
    user = harness.new_user()
    await harness.start_chat(user)

    reply = await harness.say(admin_user(), f"/grant {user.id} -{STARTING_CREDITS + 1} oops")

    assert reply.text == (
        f"Not deducted: the user's balance is {STARTING_CREDITS}, a deduction cannot take it "
        "below 0 (credits reserved by running jobs are not deductible)."
    )
    money = await harness.money(user)
    assert money.balance == STARTING_CREDITS
    assert money.entries("adjustment") == []
