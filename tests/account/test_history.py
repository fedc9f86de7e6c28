"""/history: paged, in the user's language, each result sendable again from Telegram's
copy (no KIE task, no download), and never another user's job."""

from __future__ import annotations

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import TelegramSimulator
from tests.account.helpers import (
    generate,
    labels,
    leftover_button,
    press,
    press_data_then_edit,
    press_then_edit,
)
from tests.e2e.harness import Harness

LIMITS = {"user_rate_limit": 50, "max_active_per_user": 10}


async def test_history_pages_and_sends_a_result_again_without_kie_or_download(
    harness: Harness, kie: KieSimulator, telegram: TelegramSimulator
) -> None:
    await harness.start(**LIMITS)
    user = harness.new_user()
    jobs = await generate(harness, user, [f"a lighthouse, take {n}" for n in range(7)])
    photos = harness.photos(user)
    assert len(photos) == 7

    listing = await harness.say(user, "/history")
    body = listing.text or ""
    assert body.startswith("Your generations, page 1 of 2:")
    assert body.count("✅ done · Z-Image (fast)") == 5
    assert "“a lighthouse, take 6”" in body.split("\n\n")[1], "newest first, with its prompt"
    assert "1 credit ·" in body
    assert "UTC" in body
    assert labels(listing) == ["📥 1", "📥 2", "📥 3", "📥 4", "📥 5", "Older ▶"]

    query, page2 = await press_then_edit(harness, user, listing, "Older ▶")
    assert (await harness.answer_of(query)).get("text") is None
    assert (page2.text or "").startswith("Your generations, page 2 of 2:")
    assert labels(page2) == ["📥 6", "📥 7", "◀ Newer"]

    # Number 7 is the oldest job: its photo was the first one sent.
    creates, served = kie.stats.totals.creates, kie.stats.media_served
    sent_photos = telegram.stats.calls["sendPhoto"]
    after = harness.last_id(user)
    query = await press(harness, user, page2, "📥 7")
    assert (await harness.answer_of(query))["text"] == "Sent again"
    again = await harness.next_message(user, after, lambda m: m.kind == "photo")
    assert again.file_bytes == photos[0].file_bytes
    assert again.media[-1]["file_id"] == jobs[0].file_id
    assert kie.stats.totals.creates == creates, "no new KIE task"
    assert kie.stats.media_served == served, "nothing downloaded from KIE"
    assert telegram.stats.calls["sendPhoto"] == sent_photos + 1
    assert (await harness.settled(user)).balance == 10 - 7, "sending again is free"


async def test_another_users_job_is_never_sent_and_made_up_pages_are_answered(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    owner, stranger = harness.new_user("Owner"), harness.new_user("Stranger")
    (job,) = await generate(harness, owner, ["a red fox in the snow"])
    await harness.start_chat(stranger)
    photos_before = len(harness.photos(stranger)) + len(harness.photos(owner))

    forged = await leftover_button(harness, stranger, f"hres:{job.job_id}")
    query = harness.telegram.press_button(stranger, forged.message_id, f"hres:{job.job_id}")
    answer = await harness.answer_of(query)
    assert answer["text"] == "I cannot find that generation in your history."
    assert answer["show_alert"] is True

    # Garbage, then a page past the end (which turns the message into the history).
    leftover = await leftover_button(harness, owner, "hist:abc", "hist:99")
    query = harness.telegram.press_button(owner, leftover.message_id, "hist:abc")
    assert (await harness.answer_of(query))["text"] == "This button is no longer valid."
    query, shown = await press_data_then_edit(harness, owner, leftover, "hist:99")
    answer = await harness.answer_of(query)
    assert answer["text"] == "That page is no longer there; here is the nearest one."
    assert (shown.text or "").startswith("Your generations, page 1 of 1:")

    assert len(harness.photos(stranger)) + len(harness.photos(owner)) == photos_before
    assert kie.stats.totals.creates == 1


async def test_an_empty_history_says_how_to_start_in_russian(harness: Harness) -> None:
    await harness.start()
    user = harness.new_user("Иван", language_code="ru")
    reply = await harness.say(user, "/history")
    assert reply.text == "Генераций пока нет. Отправьте описание, чтобы сделать первую."
    assert reply.buttons() == []
