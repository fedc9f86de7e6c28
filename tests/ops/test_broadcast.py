"""`/broadcast`: paced under the simulator's real flood limits, resumable after a restart
without sending anyone the message twice, and blocked users marked and skipped."""

from __future__ import annotations

import asyncio

import pytest

from kiebot.delivery import DeliveryError
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser, TelegramSimulator
from tests.e2e.harness import Harness
from tests.ops.support import ADMIN_ID, admin_user

USERS = 40
# 10 messages/s overall, of which broadcasts get the bulk share (8/s): 40 users take ~5 s,
# long enough to stop the process halfway.
SLOW_RATE = 10.0


async def _audience(harness: Harness, telegram: TelegramSimulator, count: int) -> list[SimUser]:
    """Users who have talked to the bot: an account (in `kb:users`) and an open chat."""
    users = [harness.new_user(f"User{i}") for i in range(count)]
    for user in users:
        telegram.open_chat(user)
        await harness.running.billing.ensure_account(user.id)
    return users


def _received(telegram: TelegramSimulator, user: SimUser, text: str) -> int:
    return sum(1 for m in telegram.chat(user.id) if m.text == text)


async def _start(harness: Harness, **overrides: object) -> None:
    await harness.start(admin_ids=frozenset({ADMIN_ID}), **overrides)


async def test_broadcast_resumes_after_a_restart_and_sends_once_each(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    await _start(harness, telegram_rate=SLOW_RATE)
    users = await _audience(harness, telegram, USERS)
    plain = "Big news: <video> models & more are here!"  # sent as typed, not as HTML

    progress = await harness.say(admin_user(), f"/broadcast {plain}")
    assert (progress.text or "").startswith("📣 Broadcast: 0 of 40 handled")
    await telegram.until(lambda: sum(_received(telegram, u, plain) for u in users) >= 10)
    await harness.stop()  # SIGTERM-like: the chunk in flight finishes, the rest waits

    reached = sum(_received(telegram, u, plain) for u in users)
    assert 10 <= reached < USERS, "stopped halfway"

    await _start(harness, telegram_rate=SLOW_RATE)
    done = await telegram.wait_for(
        ADMIN_ID, lambda m: (m.text or "").startswith("✅ Broadcast done"), timeout=30
    )
    assert done.message_id == progress.message_id  # the same progress message, edited
    assert done.text == "✅ Broadcast done: 40 of 40 delivered, blocked 0, failed 0."
    assert [_received(telegram, u, plain) for u in users] == [1] * USERS
    assert telegram.stats.responses_429 == 0
    assert telegram.stats.retry_after_violations == 0
    assert await harness.running.redis.get("kb:broadcast:current") is None


async def test_blocked_users_are_marked_and_skipped_next_time(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    await _start(harness)
    users = await _audience(harness, telegram, 12)
    blockers = users[:3]
    for user in blockers:
        telegram.block_user(user, notify=False)  # the bot learns it only from a 403

    first = await harness.say(admin_user(), "/broadcast first")
    await telegram.wait_for(
        ADMIN_ID,
        lambda m: (
            m.message_id == first.message_id
            and m.text == "✅ Broadcast done: 9 of 12 delivered, blocked 3, failed 0."
        ),
        timeout=20,
    )
    blocked = await harness.running.redis.smembers("kb:users:blocked")
    assert {int(b) for b in blocked} == {u.id for u in blockers}
    calls_before = telegram.stats.calls["sendMessage"]

    second = await harness.say(admin_user(), "/broadcast second")
    await telegram.wait_for(
        ADMIN_ID,
        lambda m: (
            m.message_id == second.message_id
            and m.text == "✅ Broadcast done: 9 of 12 delivered, blocked 3, failed 0."
        ),
        timeout=20,
    )
    # 9 recipients and the admin's progress message: nothing sent to the blocked three.
    assert telegram.stats.calls["sendMessage"] - calls_before == 9 + 1
    assert [_received(telegram, u, "second") for u in users[3:]] == [1] * 9


async def test_unblocking_the_bot_brings_a_user_back(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    await _start(harness)
    (user,) = await _audience(harness, telegram, 1)
    redis = harness.running.redis

    telegram.block_user(user)  # Telegram tells the bot (my_chat_member: kicked)
    await eventually_member(harness, user, True)
    telegram.block_user(user, blocked=False)
    await eventually_member(harness, user, False)
    assert not await redis.sismember("kb:users:blocked", user.id)


async def eventually_member(harness: Harness, user: SimUser, expected: bool) -> None:
    """Until the bot has handled the my_chat_member update (no event crosses to Redis)."""
    redis = harness.running.redis
    for _ in range(500):
        if bool(await redis.sismember("kb:users:blocked", user.id)) == expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"user {user.id} blocked={expected} not seen in 5 s")


async def test_a_second_broadcast_waits_for_the_first(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    await _start(harness, telegram_rate=SLOW_RATE)
    await _audience(harness, telegram, 30)

    await harness.say(admin_user(), "/broadcast one")
    busy = await harness.say(admin_user(), "/broadcast two")

    assert busy.text == "Another broadcast is still being sent; wait until it is done."


async def test_broadcast_without_text_says_how(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    await _start(harness)
    reply = await harness.say(admin_user(), "/broadcast")
    assert (reply.text or "").startswith("Usage: /broadcast <text>")


async def test_a_broadcast_that_could_not_begin_does_not_hold_the_slot(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    await _start(harness)
    users = await _audience(harness, telegram, 3)
    broadcasts = harness.running.operations.broadcasts
    gone = harness.new_user("Gone")  # an admin chat the bot may not write to: 403
    telegram.open_chat(gone)
    telegram.block_user(gone, notify=False)
    with pytest.raises(DeliveryError):
        await broadcasts.start(admin_chat=gone.id, message="never sent", language="en")
    assert await harness.running.redis.get("kb:broadcast:current") is None

    telegram.open_chat(admin_user())
    await broadcasts.start(admin_chat=ADMIN_ID, message="sent after all", language="en")
    await broadcasts.wait()
    assert [_received(telegram, u, "sent after all") for u in users] == [1, 1, 1]
    assert not any(m.text == "never sent" for u in users for m in telegram.chat(u.id))
