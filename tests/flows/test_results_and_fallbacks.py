"""Buttons under a result chain new jobs; refusals are explained and refunded; a model
that is off or failing is replaced by an offer of its fallback, not a dead end."""

from __future__ import annotations

from kiebot.sim.kie import KieSimulator
from tests.e2e.harness import Harness
from tests.flows.conftest import CREDITS
from tests.flows.support import labels, press, reply_after, results, screen, task_bodies


async def test_result_buttons_chain_jobs_with_the_result_as_input(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    status = await harness.say(user, "a paper boat on a pond")
    await harness.wait_final(user, status)
    (first,) = results(harness, user)
    assert labels(first) == ["🔁 Again · 1", "📎 As file", "🔍 Upscale · 8", "🎬 Animate · 45"]

    for label, count in (("Again", 2), ("Upscale", 3), ("Animate", 4)):
        after = harness.last_id(user)
        answer = await press(harness, user, first, label)
        assert "text" not in answer or not answer.get("show_alert"), answer
        status = await harness.next_message(user, after, lambda m: m.kind == "text")
        final = await harness.wait_final(user, status)
        assert (final.text or "").startswith("✅"), final.text
        assert len(task_bodies(kie)) == count

    after = harness.last_id(user)
    await press(harness, user, first, "As file")
    document = await harness.next_message(user, after, lambda m: m.kind == "document")
    assert document.file is not None
    assert document.file.size > 0

    original, again, upscale, animate = task_bodies(kie)
    assert again == original
    source = next(t for t in kie.tasks.values() if t.model == "z-image").result_urls()[0]
    assert upscale["model"] == "topaz/image-upscale"
    assert upscale["input"]["image_url"] == source
    assert animate["model"] == "kling-2.6/image-to-video"
    assert animate["input"]["image_urls"] == [source]
    assert animate["input"]["prompt"] == "a paper boat on a pond"
    assert kie.stats.totals.telegram_file_urls_seen == 0
    money = await harness.settled(user)
    assert money.balance == CREDITS - 1 - 1 - 8 - 45


async def test_a_content_refusal_is_explained_in_russian_and_refunded(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user("Ваня", language_code="ru")
    kie.fail_next(1, fail_code="400", fail_msg="The prompt was flagged by the safety system")
    status = await harness.say(user, "что-то запретное")
    final = await harness.wait_final(user, status)
    assert final.text == (
        "❌ Модель отказалась по своим правилам о содержании. "
        "Попробуйте переформулировать запрос или другое фото.\n"
        "Вернули на баланс 1 кредит."
    )
    assert final.buttons() == [], "the user's content: no other model is pushed"
    assert (await harness.settled(user)).balance == CREDITS


async def test_a_provider_failure_offers_the_fallback_on_the_status(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Text → image")
    models = await screen(harness, user, menu, "choose a model")
    await press(harness, user, models, "Nano Banana (Google)")
    await screen(harness, user, menu, "Nano Banana (Google), 3 credits")

    kie.fail_next(1, fail_code="500", fail_msg="Internal server error")
    status = await harness.say(user, "a castle made of glass")
    final = await harness.wait_final(user, status)
    assert final.text == (
        "❌ The model could not generate this (it may have refused the content).\n"
        "Returned to your balance: 3 credits."
    )
    assert labels(final) == ["🔁 Try Z-Image (fast) · 1"]
    after = harness.last_id(user)
    await press(harness, user, final, "Try Z-Image")
    retried = await harness.next_message(user, after, lambda m: m.kind == "text")
    assert (await harness.wait_final(user, retried)).text == "✅ Done. 1 credit spent."
    failed, fallback = task_bodies(kie)
    assert (failed["model"], fallback["model"]) == ("google/nano-banana", "z-image")
    assert fallback["input"]["prompt"] == "a castle made of glass"
    assert (await harness.settled(user)).balance == CREDITS - 1


async def test_a_switched_off_or_failing_model_is_replaced_by_an_offer(
    harness: Harness, kie: KieSimulator
) -> None:
    process = await harness.start()
    user = harness.new_user("Маша", language_code="ru")
    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Текст → видео")
    models = await screen(harness, user, menu, "выберите модель")
    await press(harness, user, models, "Veo 3.1 Fast")
    await screen(harness, user, menu, "Veo 3.1 Fast (Google), со звуком, 50 кредитов")

    switches = process.surface.switches
    await switches.set_enabled("veo-3.1-fast", False)
    offer = await harness.say(user, "кит прыгает на закате")
    assert offer.text == (
        "Veo 3.1 Fast (Google), со звуком сейчас отключена. "
        "Могу сделать с помощью Kling 2.6: видео за 45 кредитов."
    )
    assert await harness.jobs_of(user) == [], "nothing reserved before the user agrees"
    after = harness.last_id(user)
    await press(harness, user, offer, "Kling 2.6")
    status = await harness.next_message(user, after, lambda m: m.kind == "text")
    assert (await harness.wait_final(user, status)).text == "✅ Готово. Списано 45 кредитов."

    # Back on, but failing at KIE: five provider failures in the window.
    await switches.set_enabled("veo-3.1-fast", True)
    health = process.surface.health
    for _ in range(5):
        await health.record_failure("veo-3.1-fast")
    after = harness.last_id(user)
    harness.telegram.send_text(user, "кит ныряет")
    offer = await reply_after(harness, user, after, "сейчас сбоит")
    assert labels(offer) == ["✅ Kling 2.6: видео · 45"]

    (body,) = task_bodies(kie)
    assert body["model"] == "kling-2.6/text-to-video"
    assert (await harness.settled(user)).balance == CREDITS - 45


async def test_a_queued_job_says_its_position_and_wait(harness: Harness, kie: KieSimulator) -> None:
    await harness.start(image_concurrency=1)
    kie.set_model_duration("z-image", 5.0)
    first, second = harness.new_user("First"), harness.new_user("Second")
    running = await harness.say(first, "the one that runs")
    await harness.wait_running(first)
    queued = await harness.say(second, "the one that waits")
    assert (queued.text or "").startswith("⏳ In the queue, position 1; ready in about "), (
        queued.text
    )
    for user, status in ((first, running), (second, queued)):
        harness.press_cancel(user, status)
        await harness.wait_final(user, status)
