"""/settings: the language overrides Telegram's everywhere (replies, job status
messages), the default aspect ratio reaches KIE, the spending cap is kept, and made-up
choices change nothing."""

from __future__ import annotations

import orjson

from kiebot.sim.kie import KieSimulator
from tests.account.helpers import labels, leftover_button, press_then_edit
from tests.e2e.harness import Harness


async def test_choosing_russian_changes_the_next_replies_and_the_job_status(
    harness: Harness,
) -> None:
    await harness.start()
    user = harness.new_user(language_code="en")
    menu = await harness.say(user, "/settings")
    assert (menu.text or "").startswith("Settings\nLanguage: English")
    assert labels(menu) == ["🌐 Language", "📐 Aspect ratio", "💳 Spending cap", "🗑 Delete my data"]

    _, choices = await press_then_edit(harness, user, menu, "🌐 Language")
    assert labels(choices) == ["• English •", "Русский", "« Back"]
    query, shown = await press_then_edit(harness, user, choices, "Русский")
    assert (await harness.answer_of(query))["text"] == "Сохранено"
    assert (shown.text or "").startswith("Настройки\nЯзык: Русский")

    # Telegram still says "en"; the choice wins for commands and for the job's messages.
    assert (await harness.say(user, "/cancel")).text == (
        "Отменять нечего: у вас не идёт ни одной генерации."
    )
    status = await harness.say(user, "a lighthouse at dawn")
    assert (status.text or "").startswith(("⏳ В очереди", "🎨 Генерирую")), status.text
    final = await harness.wait_text(user, status.message_id, lambda t: t.startswith("✅"))
    assert (final.text or "").startswith("✅ Готово.")


async def test_choosing_english_overrides_a_russian_telegram(harness: Harness) -> None:
    await harness.start()
    user = harness.new_user("Иван", language_code="ru")
    menu = await harness.say(user, "/settings")
    assert (menu.text or "").startswith("Настройки")
    _, choices = await press_then_edit(harness, user, menu, "🌐 Язык")
    _, shown = await press_then_edit(harness, user, choices, "English")
    assert "Language: English" in (shown.text or "")
    reply = await harness.say(user, "/history")
    assert reply.text == "You have no generations yet. Send a description to make your first one."


async def test_the_default_aspect_ratio_reaches_the_next_job(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    menu = await harness.say(user, "/settings")
    _, ratios = await press_then_edit(harness, user, menu, "📐 Aspect ratio")
    assert "16:9" in labels(ratios)
    assert "9:16" in labels(ratios)
    assert labels(ratios)[-2:] == ["• Model's own •", "« Back"]
    _, shown = await press_then_edit(harness, user, ratios, "16:9")
    assert "Default aspect ratio: 16:9" in (shown.text or "")

    status = await harness.say(user, "a wide mountain panorama")
    await harness.wait_final(user, status)
    (task,) = kie.tasks.values()
    assert orjson.loads(task.param)["input"]["aspect_ratio"] == "16:9"


async def test_the_spending_cap_is_kept_and_shown(harness: Harness) -> None:
    await harness.start()
    user = harness.new_user()
    menu = await harness.say(user, "/settings")
    _, caps = await press_then_edit(harness, user, menu, "💳 Spending cap")
    assert labels(caps)[-2:] == ["• No cap •", "« Back"]
    _, shown = await press_then_edit(harness, user, caps, "50")
    assert "Daily spending cap: 50 credits (0 spent today)" in (shown.text or "")
    assert await harness.running.dispatcher["spending_caps"].cap(user.id) == 50


async def test_made_up_choices_are_refused_and_change_nothing(harness: Harness) -> None:
    await harness.start()
    user = harness.new_user()
    await harness.start_chat(user)
    made_up = ("stga:7x3", "stgc:13", "stgl:de", "stg:nowhere")
    forged = await leftover_button(harness, user, *made_up)
    for data in made_up:
        query = harness.telegram.press_button(user, forged.message_id, data)
        assert (await harness.answer_of(query))["text"] == "That choice is not available any more."
    menu = await harness.say(user, "/settings")
    assert (menu.text or "") == (
        "Settings\nLanguage: English\nDefault aspect ratio: each model's own\n"
        "Daily spending cap: none"
    )


async def test_each_change_returns_the_settings_after_it(harness: Harness) -> None:
    """A handler makes one service call per press: the change hands back the new view."""
    process = await harness.start()
    user = harness.new_user()
    await harness.say(user, "/settings")
    settings = process.dispatcher["account_settings"]
    view = await settings.set_cap(user.id, 50, "en")
    assert (view.language, view.cap, view.spent_today) == ("en", 50, 0)
    view = await settings.set_aspect_ratio(user.id, "16:9", "en")
    assert (view.aspect_ratio, view.cap) == ("16:9", 50)
    view = await settings.set_language(user.id, "ru")
    assert (view.language, view.aspect_ratio) == ("ru", "16:9")
