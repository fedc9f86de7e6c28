"""/models: a kind, a model with its price, settings; the choice shapes the next job."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from kiebot.sim.kie import KieSimulator
from tests.e2e.harness import Harness
from tests.flows.conftest import CREDITS
from tests.flows.support import labels, press, results, screen, task_bodies


async def test_a_chosen_model_and_setting_make_the_next_image(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user("Ира", language_code="ru")
    await harness.start_chat(user)
    menu = await harness.say(user, "/models")
    assert menu.text == "Что будем делать? Сейчас: 🖼 Текст → картинка."
    assert "🎬 Текст → видео" in labels(menu)

    await press(harness, user, menu, "Текст → картинка")
    models = await screen(harness, user, menu, "выберите модель")
    assert "✓ Z-Image (быстрая) · 1" in labels(models)
    assert "Nano Banana (Google) · 3" in labels(models)

    answer = await press(harness, user, models, "Nano Banana (Google)")
    assert answer["text"] == "Сохранено"
    card = await screen(harness, user, menu, "Nano Banana (Google), 3 кредита")
    assert "• Соотношение сторон: 1:1" in (card.text or "")

    await press(harness, user, card, "Соотношение сторон")
    values = await screen(harness, user, menu, "выберите «Соотношение сторон»")
    assert "✓ 1:1" in labels(values)
    await press(harness, user, values, "16:9")
    card = await screen(harness, user, menu, "Соотношение сторон: 16:9")

    status = await harness.say(user, "маяк на рассвете")
    final = await harness.wait_final(user, status)
    assert final.text == "✅ Готово. Списано 3 кредита."
    (body,) = task_bodies(kie)
    assert body["model"] == "google/nano-banana"
    assert body["input"]["aspect_ratio"] == "16:9"
    assert body["input"]["prompt"] == "маяк на рассвете"
    money = await harness.settled(user)
    assert money.balance == CREDITS - 3

    (result,) = results(harness, user)
    assert labels(result) == ["🔁 Ещё раз · 3", "📎 Файлом", "🔍 Увеличить · 8", "🎬 Оживить · 45"]


async def test_the_choice_survives_a_restart(harness: Harness, kie: KieSimulator) -> None:
    await harness.start()
    user = harness.new_user()
    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Text → image")
    models = await screen(harness, user, menu, "choose a model")
    await press(harness, user, models, "Flux-2 Pro")
    card = await screen(harness, user, menu, "Flux-2 Pro, 4 credits")
    await press(harness, user, card, "Resolution")
    values = await screen(harness, user, menu, "choose Resolution")
    await press(harness, user, values, "2K")
    await screen(harness, user, menu, "6 credits")

    await harness.stop()
    await harness.start()
    status = await harness.say(user, "a red fox in fresh snow")
    assert (await harness.wait_final(user, status)).text == "✅ Done. 6 credits spent."
    (body,) = task_bodies(kie)
    assert (body["model"], body["input"]["resolution"]) == ("flux-2/pro-text-to-image", "2K")


async def test_stale_and_garbage_menu_buttons_are_answered_and_change_nothing(
    harness: Harness, kie: KieSimulator
) -> None:
    process = await harness.start()
    user = harness.new_user()
    await harness.start_chat(user)
    old = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="gone model", callback_data="mm:ffffffffff")],
            [InlineKeyboardButton(text="bad value", callback_data="mv:ffffffffff:duration:9")],
            [InlineKeyboardButton(text="bad kind", callback_data="mn:painting")],
            [InlineKeyboardButton(text="garbage", callback_data="mv:only-one-part")],
            [InlineKeyboardButton(text="no photo", callback_data="ph:upscale")],
        ]
    )
    leftover = await process.bot.send_message(user.id, "an old menu", reply_markup=old)
    stale = "This button is no longer valid."
    for data in ("mm:ffffffffff", "mv:ffffffffff:duration:9", "mn:painting", "mv:only-one-part"):
        query = harness.telegram.press_button(user, leftover.message_id, data)
        assert (await harness.answer_of(query))["text"] == stale, data
    query = harness.telegram.press_button(user, leftover.message_id, "ph:upscale")
    answer = await harness.answer_of(query)
    assert answer["text"] == "I no longer have that photo. Please send it again."

    status = await harness.say(user, "still the default model")
    await harness.wait_final(user, status)
    (body,) = task_bodies(kie)
    assert body["model"] == "z-image"
    assert (await harness.settled(user)).balance == CREDITS - 1


async def test_a_choice_made_after_a_prompt_makes_the_next_one(
    harness: Harness, kie: KieSimulator
) -> None:
    """The preferences are cached from the first prompt on: a choice made after it must
    still shape the very next prompt (regression guard for the cache)."""
    await harness.start()
    user = harness.new_user()
    first = await harness.say(user, "a lighthouse at dawn")
    await harness.wait_final(user, first)
    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Text → image")
    models = await screen(harness, user, menu, "choose a model")
    await press(harness, user, models, "Flux-2 Pro")
    await screen(harness, user, menu, "Flux-2 Pro, 4 credits")

    second = await harness.say(user, "a lighthouse at dusk")
    await harness.wait_final(user, second)

    assert [body["model"] for body in task_bodies(kie)] == ["z-image", "flux-2/pro-text-to-image"]
