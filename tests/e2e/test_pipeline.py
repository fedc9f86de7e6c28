"""The job pipeline end to end: a user's prompt through the real bot to a delivered image
(or a clear refusal), with the money checked the way an operator would check it."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from loguru import logger

from kiebot.jobs import Job, JobState
from kiebot.sim.kie import KieSimulator
from tests.e2e.harness import (
    MODEL,
    STARTING_CREDITS,
    Harness,
    cancel_data,
    eventually,
    is_final_text,
    write_catalog,
)

PRICE = 1  # z-image in the bundled catalog


async def test_happy_path_delivers_the_image_and_charges_once(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()

    greeting = await harness.start_chat(user)
    assert f"Balance: {STARTING_CREDITS} credits" in (greeting.text or "")

    status = await harness.say(user, "a lighthouse on a cliff at dawn")
    assert (status.text or "").startswith(("⏳", "🎨")), status.text
    assert status.buttons(), "a running job offers a cancel button"

    final = await harness.wait_final(user, status)
    assert final.text == "✅ Done. 1 credit spent."
    assert final.buttons() == []
    (photo,) = harness.photos(user)
    assert photo.kind == "photo"
    assert photo.message_id > status.message_id

    money = await harness.settled(user)
    assert (money.balance, money.held) == (STARTING_CREDITS - PRICE, 0)
    assert kie.stats.totals.creates == 1


async def test_provider_failure_says_why_and_gives_the_credits_back(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    kie.fail_next(1, fail_code="400", fail_msg="content violates policy")

    status = await harness.say(user, "something the model refuses")
    final = await harness.wait_final(user, status)

    assert final.text == (
        "❌ The model refused this under its content rules. "
        "Try rewording the prompt or another photo.\n"
        "Returned to your balance: 1 credit."
    )
    assert harness.photos(user) == []
    money = await harness.settled(user)
    assert (money.balance, money.held) == (STARTING_CREDITS, 0)
    assert [(e.type, e.amount) for e in money.ledger] == [
        ("grant", STARTING_CREDITS),
        ("reservation", -PRICE),
        ("release", PRICE),
    ]
    assert kie.stats.totals.creates == 1


async def test_kie_server_errors_are_retried_and_the_job_is_charged_once(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    kie.inject("createTask", code=500, times=2)

    status = await harness.say(user, "a red fox in fresh snow")
    final = await harness.wait_final(user, status)

    assert final.text == "✅ Done. 1 credit spent."
    assert len(harness.photos(user)) == 1
    assert kie.stats.totals.answered("createTask", 500) == 2
    assert kie.stats.totals.creates == 1
    money = await harness.settled(user)
    assert money.balance == STARTING_CREDITS - PRICE
    assert len(money.entries("capture")) == 1


async def test_kie_rate_limits_slow_the_bot_down_without_a_hot_loop(
    harness: Harness, kie: KieSimulator
) -> None:
    window_s = 1.0  # the key's create window: a 429 closes the key's budget this long
    await harness.start(kie_create_window_s=window_s)
    user = harness.new_user()
    injected = 2
    kie.inject("createTask", code=429, times=injected)

    started = time.monotonic()
    status = await harness.say(user, "a night market in the rain")
    final = await harness.wait_final(user, status)
    took = time.monotonic() - started

    assert final.text == "✅ Done. 1 credit spent."
    assert len(harness.photos(user)) == 1
    totals = kie.stats.totals
    assert totals.rate_limited == injected
    assert totals.creates == 1
    # No hot loop: one attempt per cool-down, not a burst of retries.
    assert totals.create_attempts <= injected + 2
    assert took >= injected * window_s * 0.9, "each 429 closed the key for a window"
    assert (await harness.settled(user)).balance == STARTING_CREDITS - PRICE


async def test_a_too_long_prompt_is_refused_naming_the_limit(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    await harness.start_chat(user)

    reply = await harness.say(user, "x" * 1001)

    assert reply.text == "The prompt is too long: 1001 characters, at most 1000."
    assert await harness.jobs_of(user) == []
    money = await harness.settled(user)
    assert [(e.type, e.amount) for e in money.ledger] == [("grant", STARTING_CREDITS)]
    assert kie.stats.totals.create_attempts == 0


async def test_stale_and_foreign_buttons_are_answered_and_change_nothing(
    harness: Harness, kie: KieSimulator
) -> None:
    process = await harness.start()
    owner, stranger = harness.new_user("Owner"), harness.new_user("Stranger")
    await harness.start_chat(stranger)
    kie.set_model_duration(MODEL, 2.0)
    status = await harness.say(owner, "a tiny robot watering a bonsai")

    # Buttons left in the chat by an older version of the bot: data it no longer knows,
    # and a cancel for a job whose record is gone.
    old = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="old", callback_data="garbage")],
            [InlineKeyboardButton(text="gone", callback_data=f"cancel:{'0' * 32}")],
        ]
    )
    leftover = await process.bot.send_message(stranger.id, "an old menu", reply_markup=old)
    garbage = harness.telegram.press_button(stranger, leftover.message_id, "garbage")
    unknown = harness.telegram.press_button(stranger, leftover.message_id, f"cancel:{'0' * 32}")
    # Someone else's cancel button (possible in a group chat, or with a forged update).
    foreign = harness.telegram.press_button(
        stranger, status.message_id, cancel_data(status), chat_id=owner.id
    )

    assert (await harness.answer_of(garbage))["text"] == "This button is no longer valid."
    assert (await harness.answer_of(unknown))["text"] == "I cannot find that generation."
    assert (await harness.answer_of(foreign))["text"] == "I cannot find that generation."

    final = await harness.wait_final(owner, status)
    assert final.text == "✅ Done. 1 credit spent."
    assert (await harness.settled(owner)).balance == STARTING_CREDITS - PRICE
    stranger_money = await harness.settled(stranger)
    assert [(e.type, e.amount) for e in stranger_money.ledger] == [("grant", STARTING_CREDITS)]


async def test_stickers_and_voice_messages_get_the_unsupported_reply(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    await harness.start_chat(user)
    unsupported = "I understand text prompts. Send me a description of the image you want."

    after = harness.last_id(user)
    harness.telegram.send_sticker(user)
    assert (await harness.next_message(user, after)).text == unsupported
    after = harness.last_id(user)
    harness.telegram.send_voice(user)
    assert (await harness.next_message(user, after)).text == unsupported

    assert await harness.jobs_of(user) == []
    money = await harness.settled(user)
    assert [(e.type, e.amount) for e in money.ledger] == [("grant", STARTING_CREDITS)]
    assert kie.stats.totals.create_attempts == 0


async def test_a_full_queue_says_busy_and_charges_nothing(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start(queue_size=1, image_concurrency=1)
    kie.set_model_duration(MODEL, 30.0)
    first, second, third = (harness.new_user(name) for name in ("First", "Second", "Third"))

    running = await harness.say(first, "the one that runs")
    await harness.wait_running(first)
    queued = await harness.say(second, "the one that waits")
    assert (queued.text or "").startswith("⏳ In the queue, position 1;")
    refused = await harness.say(third, "the one that does not fit")

    assert refused.text == (
        "I am very busy right now. Please try again in a minute; nothing was charged."
    )
    assert await harness.jobs_of(third) == []
    assert (await harness.money(third)).ledger == []  # refused before the account was opened
    account = await harness.running.billing.ensure_account(third.id)  # as their /balance
    assert (account.balance, account.held) == (STARTING_CREDITS, 0)

    # Clean up through the users' own buttons: both come back in full.
    for user, status in ((second, queued), (first, running)):
        harness.press_cancel(user, status)
        await harness.wait_final(user, status)
        assert (await harness.settled(user)).balance == STARTING_CREDITS
    assert kie.stats.totals.creates == 1


async def test_a_flood_of_prompts_is_held_to_the_per_user_limits(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()  # defaults: 5 submits a minute, 3 unfinished jobs at a time
    kie.set_model_duration(MODEL, 0.5)
    user = harness.new_user()
    await harness.start_chat(user)
    first = harness.last_id(user)

    prompts = 30
    for n in range(prompts):  # a user typing very fast: 30 prompts in about 5 s
        harness.telegram.send_text(user, f"prompt number {n}")
        await asyncio.sleep(5.0 / prompts)

    jobs = await harness.jobs_of(user)
    assert 3 <= len(jobs) <= 5
    # Paced at Telegram's one message a second per chat, behind the refusals and statuses.
    await eventually(
        lambda: len(harness.photos(user)) == len(jobs), what="every accepted job", timeout=40
    )
    jobs = await harness.jobs_of(user)  # with their status message ids, now all sent
    for job in jobs:
        status = await harness.wait_text(user, job.status_message_id or 0, is_final_text)
        assert status.text == "✅ Done. 1 credit spent."
    assert max_overlap(jobs) <= 3

    refusals = [
        m.text or ""
        for m in harness.telegram.chat(user.id)
        if m.message_id > first and m.kind == "text" and not is_status(m.text or "")
    ]
    assert all(text.startswith(REFUSALS) for text in refusals), refusals
    # Each kind of refusal is said once per 10 s window, not once per refused prompt.
    assert 1 <= len(refusals) <= 2 * len(REFUSALS)
    assert harness.telegram.stats.retry_after_violations == 0

    money = await harness.settled(user)
    assert money.balance == STARTING_CREDITS - PRICE * len(jobs)
    assert len(money.entries("reservation")) == len(jobs)
    assert kie.stats.totals.creates == len(jobs)


REFUSALS = (
    "You already have 3 generations running. Wait for one to finish.",
    "Too many requests. Try again in ",
    # 30 messages a minute pass the 20-message limit (bot/limits.py): told once.
    "You are sending messages too fast. Try again in ",
)


async def test_a_flooding_user_is_refused_once_within_telegrams_limits(
    harness: Harness, kie: KieSimulator
) -> None:
    """Regression: handler replies bypassed the pacer, so refusals ignored retry_after.

    Replies now go through the delivery pacer, and the same refusal to the same chat is
    said once per window instead of once per prompt.
    """
    await harness.start()
    user = harness.new_user()
    for n in range(8):  # 3 accepted (active limit), 5 refused, all at once
        harness.telegram.send_text(user, f"prompt number {n}")
    await eventually(lambda: len(harness.photos(user)) == 3, what="three results", timeout=30)

    def done() -> int:  # a status says done once its job is settled (after the photo)
        return sum((m.text or "").startswith("✅") for m in harness.telegram.chat(user.id))

    await eventually(lambda: done() == 3, what="three jobs settled", timeout=30)
    assert harness.telegram.stats.retry_after_violations == 0
    texts = [m.text or "" for m in harness.telegram.chat(user.id)]
    assert sum(text.startswith(REFUSALS[0]) for text in texts) == 1
    money = await harness.settled(user)
    assert len(money.entries("reservation")) == 3


def is_status(text: str) -> bool:
    return text.startswith(("⏳", "🎨", "📤", "✅", "❌", "Cancelled"))


def max_overlap(jobs: list[Job]) -> int:
    """The most jobs that were unfinished at the same moment."""
    events = sorted(
        [(job.created_at, 1) for job in jobs] + [(job.updated_at, -1) for job in jobs],
        key=lambda event: (event[0], event[1]),
    )
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


async def test_cancel_while_queued_and_while_running_gives_the_credits_back(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start(image_concurrency=1)
    kie.set_model_duration(MODEL, 30.0)
    # One user per chat, so that Telegram's one-message-a-second per chat paces no one.
    runs, waits, later = (harness.new_user(name) for name in ("Runs", "Waits", "Later"))
    running = await harness.say(runs, "the one that runs")
    await harness.wait_running(runs)
    queued = await harness.say(waits, "the one that waits")
    assert (queued.text or "").startswith("⏳ In the queue, position 1;")

    answer = await harness.answer_of(harness.press_cancel(waits, queued))
    assert answer["text"] == "Cancelled"
    final = await harness.wait_final(waits, queued)
    assert final.text == "Cancelled. Returned to your balance: 1 credit."
    assert final.buttons() == []

    await harness.answer_of(harness.press_cancel(runs, running))
    final = await harness.wait_final(runs, running)
    assert final.text == "Cancelled. Returned to your balance: 1 credit."
    (task_id,) = kie.tasks
    kie.finish_now(task_id)  # KIE finishes the cancelled task anyway

    # The slot the cancelled job held is free again: the next job runs and is delivered,
    # and the cancelled job's finished task is not delivered, before or after it.
    kie.set_model_duration(MODEL, 0.3)
    after = await harness.say(later, "the one after")
    await harness.wait_final(later, after)
    assert len(harness.photos(later)) == 1
    assert harness.photos(runs) == harness.photos(waits) == []
    for user in (runs, waits):
        money = await harness.settled(user)
        assert money.balance == STARTING_CREDITS
        assert len(money.entries("release")) == 1
    assert kie.stats.totals.creates == 2  # the queued job never reached KIE


async def test_insufficient_credits_are_refused_with_the_balance(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start(starting_credits=1)
    kie.set_model_duration(MODEL, 1.0)
    user = harness.new_user()
    greeting = await harness.start_chat(user)
    assert "Balance: 1 credit." in (greeting.text or "")

    status = await harness.say(user, "the one I can pay for")
    refused = await harness.say(user, "the one I cannot")  # the 1 credit is reserved
    assert refused.text == "Not enough credits: this costs 1 credit, your balance is 0 credits."

    await harness.wait_final(user, status)
    money = await harness.settled(user)
    assert (money.balance, money.held) == (0, 0)
    assert len(await harness.jobs_of(user)) == 1
    assert kie.stats.totals.creates == 1


async def test_a_generation_past_the_model_timeout_expires_and_is_refunded(
    harness: Harness, kie: KieSimulator, tmp_path: Path
) -> None:
    await harness.start(catalog_path=write_catalog(tmp_path, timeout_s=1.0))
    kie.set_model_duration(MODEL, 30.0)
    user = harness.new_user()

    status = await harness.say(user, "a very slow generation")
    final = await harness.wait_final(user, status)

    assert final.text == (
        "❌ The model took too long to answer.\nReturned to your balance: 1 credit."
    )
    (job,) = await harness.jobs_of(user)
    assert job.state == JobState.EXPIRED
    assert harness.photos(user) == []
    money = await harness.settled(user)
    assert money.balance == STARTING_CREDITS
    assert len(money.entries("release", job.job_id)) == 1


async def test_the_status_shows_generation_time_while_kie_works(
    harness: Harness, kie: KieSimulator
) -> None:
    """The status message says how long the job has been generating ('generating
    (elapsed time)' in the issue's words). It is refreshed when KIE reports a new state or
    progress, riding on the poller's reads: a timer per job would spend Telegram's
    30 messages/s on tickers (docs/decisions.md)."""
    await harness.start()
    kie.set_model_duration(MODEL, 8.0)
    user = harness.new_user()
    status = await harness.say(user, "a slow one")
    ticking = await harness.wait_text(
        user,
        status.message_id,
        lambda text: re.fullmatch(r"🎨 Generating with .+…( \d+%)? \d+ s", text) is not None,
    )
    assert ticking.buttons(), "still cancellable while generating"
    final = await harness.wait_final(user, status)
    assert final.text == "✅ Done. 1 credit spent."
    assert harness.telegram.stats.retry_after_violations == 0


async def test_a_jobs_log_lines_carry_its_id_and_model(harness: Harness, kie: KieSimulator) -> None:
    """An operator greps the log by job id; the runner sets it once for the job's life."""
    await harness.start()
    lines: list[tuple[str, dict[str, object]]] = []
    sink = logger.add(lambda m: lines.append((m.record["message"], dict(m.record["extra"]))))
    try:
        user = harness.new_user()
        kie.fail_next(1, fail_code="500", fail_msg="internal error")  # an end worth a line
        status = await harness.say(user, "a lighthouse on a cliff at dawn")
        await harness.wait_final(user, status)
    finally:
        logger.remove(sink)

    ended = [extra for message, extra in lines if message.startswith("job ended failed")]
    assert len(ended) == 1, [message for message, _ in lines]
    assert ended[0].get("model") == MODEL
    assert str(ended[0].get("job_id", "")).strip()
