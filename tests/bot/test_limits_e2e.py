"""Per-user limits and bans end to end: the real Dispatcher, long polling against the
Telegram simulator, the window kept in Redis across a restart."""

from __future__ import annotations

from kiebot.sim.telegram import SimUser
from kiebot.store import Keys
from tests.e2e.harness import STARTING_CREDITS, Harness
from tests.payments.support import open_shop
from tests.rewards import conftest as e2e

# The end-to-end fixtures (both simulators, the harness), shared with tests/rewards.
telegram, kie, harness = e2e.telegram, e2e.kie, e2e.harness

LIMIT = 5  # messages per minute in these tests (20 by default; the gate's unit tests)
FLOOD = LIMIT + 3
WAIT = "You are sending messages too fast. Try again in"


def texts(harness: Harness, user: SimUser) -> list[str]:
    return [m.text or "" for m in harness.telegram.chat(user.id)]


async def in_step(harness: Harness) -> None:
    """Every update sent so far has been handled: a user the gate never stops sends
    /balance and gets the answer. Updates are handled as they arrive, so one sent before
    it would have shown its effect by then."""
    probe = harness.new_user("Probe")
    reply = await harness.say(probe, "/balance")
    assert "Balance:" in (reply.text or "")
    await harness.telegram.until(lambda: harness.telegram.pending_updates() == 0)


async def test_a_flood_is_cut_at_the_limit_told_once_and_held_across_a_restart(
    harness: Harness,
) -> None:
    await harness.start(user_message_limit=LIMIT)
    user = harness.new_user()
    for _ in range(FLOOD):
        harness.telegram.send_text(user, "/balance")

    told = await harness.telegram.wait_for(user.id, lambda m: (m.text or "").startswith(WAIT))
    await harness.telegram.until(
        lambda: sum("Balance:" in t for t in texts(harness, user)) == LIMIT
    )
    await in_step(harness)
    replies = texts(harness, user)
    assert len(replies) == LIMIT + 1, replies
    assert (told.text or "").endswith(" s.")
    wait_s = int((told.text or "").removeprefix(WAIT).split()[0])
    assert 1 <= wait_s <= 60

    await harness.stop()
    await harness.start(user_message_limit=LIMIT)
    harness.telegram.send_text(user, "/balance")
    await in_step(harness)

    assert texts(harness, user) == replies, "still over the limit after the restart"
    window = await harness.running.redis.zcard(Keys().flood(user.id, "message"))
    assert window == LIMIT, "the dropped message was not counted either"


async def test_a_banned_user_gets_exactly_one_polite_reply(harness: Harness) -> None:
    await harness.start()
    user = harness.new_user()
    await harness.running.billing.set_banned(user.id, True)

    for text in ("/start", "a castle in the clouds", "/balance", "/promo HELLO"):
        harness.telegram.send_text(user, text)
    await harness.telegram.wait_for(user.id, lambda m: bool(m.text))
    await in_step(harness)

    assert texts(harness, user) == ["Sorry, your access to this bot has been suspended."]
    assert await harness.jobs_of(user) == []
    money = await harness.money(user)
    assert (money.balance, money.ledger) == (0, []), "not even the starting grant"

    await harness.running.billing.set_banned(user.id, False)
    greeting = await harness.start_chat(user)
    assert f"Balance: {STARTING_CREDITS} credits" in (greeting.text or "")


async def test_a_button_press_over_the_limit_is_answered_with_the_wait(
    harness: Harness,
) -> None:
    await harness.start(user_press_limit=2)
    user = harness.new_user()
    shop = await open_shop(harness, user)

    answers = []
    for _ in range(4):
        query = harness.telegram.press_button(user, shop.message_id, "buy:small")
        answers.append(await harness.answer_of(query))

    waits = [
        (a.get("text") or "").startswith("Too many button presses. Try again in ") for a in answers
    ]
    assert waits == [False, False, True, True], answers
    assert all(a.get("show_alert") for a in answers[2:])


async def test_the_sixth_generation_in_a_minute_waits_and_the_window_survives_a_restart(
    harness: Harness,
) -> None:
    """5 generations a minute (the default): the sixth prompt is refused with the wait
    and nothing is charged, also by a process started afresh within the minute."""
    await harness.start()
    user = harness.new_user()
    for n in range(5):
        status = await harness.say(user, f"a red fox, take {n}")
        assert (await harness.wait_final(user, status)).text == "✅ Done. 1 credit spent."

    refused = await harness.say(user, "a red fox, take 6")
    await harness.stop()
    await harness.start()
    refused_again = await harness.say(user, "a red fox, take 7")

    for reply in (refused, refused_again):
        text = reply.text or ""
        assert text.startswith("Too many requests. Try again in "), text
        assert 1 <= int(text.split(" in ")[1].split()[0]) <= 60
    assert len(await harness.jobs_of(user)) == 5
    assert (await harness.settled(user)).balance == STARTING_CREDITS - 5
