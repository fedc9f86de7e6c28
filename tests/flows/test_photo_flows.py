"""Photos: edits, albums, a question for a photo without a caption, videos from text and
from photos; every photo reaches KIE as an upload, never as a Telegram URL."""

from __future__ import annotations

from kiebot.sim.kie import KieSimulator
from kiebot.sim.media import png_bytes
from tests.e2e.harness import Harness
from tests.flows.conftest import CREDITS
from tests.flows.support import PHOTO, labels, press, reply_after, results, screen, task_bodies


def _uploaded(url: str, kie: KieSimulator) -> bool:
    return url.startswith(kie.url + "/files/kiebot/inputs/")


async def test_a_photo_with_a_caption_is_edited_from_an_upload(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user("Оля", language_code="ru")
    after = harness.last_id(user)
    harness.telegram.send_photo(user, PHOTO, caption="сделай небо фиолетовым")
    status = await harness.next_message(user, after, lambda m: m.kind == "text")
    final = await harness.wait_final(user, status)
    assert final.text == "✅ Готово. Списано 3 кредита."

    (body,) = task_bodies(kie)
    assert body["model"] == "google/nano-banana-edit"
    assert body["input"]["prompt"] == "сделай небо фиолетовым"
    (url,) = body["input"]["image_urls"]
    assert _uploaded(url, kie)
    assert kie.stats.totals.uploads == 1
    assert kie.stats.totals.telegram_file_urls_seen == 0
    assert (await harness.settled(user)).balance == CREDITS - 3


async def test_an_album_is_one_job_with_every_photo(harness: Harness, kie: KieSimulator) -> None:
    await harness.start()
    user = harness.new_user()
    after = harness.last_id(user)
    photos = [png_bytes(400 + i, 400) for i in range(3)]
    harness.telegram.send_album(user, photos, caption="put them side by side")
    status = await harness.next_message(user, after, lambda m: m.kind == "text")
    await harness.wait_final(user, status)

    (body,) = task_bodies(kie)
    assert len(body["input"]["image_urls"]) == 3
    assert all(_uploaded(url, kie) for url in body["input"]["image_urls"])
    assert len(await harness.jobs_of(user)) == 1
    assert kie.stats.totals.telegram_file_urls_seen == 0


async def test_a_photo_without_a_caption_asks_and_each_choice_runs(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    after = harness.last_id(user)
    harness.telegram.send_photo(user, PHOTO)
    question = await reply_after(harness, user, after, "What should I do with this photo?")
    assert labels(question) == [
        "✏️ Photo edit · 3",
        "🔍 Upscale · 8",
        "✂️ Remove background · 1",
        "📽 Photo → video · 45",
    ]
    after = harness.last_id(user)
    await press(harness, user, question, "Remove background")
    status = await harness.next_message(user, after, lambda m: m.kind == "text")
    await harness.wait_final(user, status)
    (result,) = results(harness, user)
    assert result.kind == "document", "a cut-out keeps its transparency as a file"

    # A prompt that follows a photo edits it.
    after = harness.last_id(user)
    harness.telegram.send_photo(user, PHOTO)
    await reply_after(harness, user, after, "What should I do with this photo?")
    status = await harness.say(user, "add a rainbow")
    await harness.wait_final(user, status)

    bodies = task_bodies(kie)
    assert [b["model"] for b in bodies] == ["recraft/remove-background", "google/nano-banana-edit"]
    assert _uploaded(bodies[0]["input"]["image"], kie)
    assert bodies[1]["input"]["prompt"] == "add a rainbow"
    assert kie.stats.totals.telegram_file_urls_seen == 0
    assert (await harness.settled(user)).balance == CREDITS - 1 - 3


async def test_upscale_mode_runs_on_a_photo_at_once(harness: Harness, kie: KieSimulator) -> None:
    await harness.start()
    user = harness.new_user()
    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Upscale")
    models = await screen(harness, user, menu, "choose a model")
    await press(harness, user, models, "Topaz Upscale")
    await screen(harness, user, menu, "Send a photo and I will upscale it.")

    after = harness.last_id(user)
    harness.telegram.send_photo(user, PHOTO)
    status = await harness.next_message(user, after, lambda m: m.kind == "text")
    assert (await harness.wait_final(user, status)).text == "✅ Done. 8 credits spent."
    (body,) = task_bodies(kie)
    assert body["model"] == "topaz/image-upscale"
    assert body["input"]["upscale_factor"] == "2"


async def test_a_wrong_or_too_big_file_is_refused_before_anything_is_charged(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    ru = harness.new_user("Петя", language_code="ru")
    await harness.start_chat(user)
    await harness.start_chat(ru)

    after = harness.last_id(user)
    big = png_bytes(3000, 3000, noise_seed="big")
    assert len(big) > 10 * 1024 * 1024
    harness.telegram.send_document(user, big, "huge.png", "image/png", caption="make it blue")
    refusal = await harness.next_message(user, after, lambda m: m.message_id > after)
    assert refusal.text == "This photo is too large: at most 10 MB. Nothing was charged."

    after = harness.last_id(ru)
    harness.telegram.send_document(ru, b"just some notes", "notes.txt", "text/plain", caption="x")
    refusal = await harness.next_message(ru, after, lambda m: m.message_id > after)
    assert refusal.text == "Пришлите картинку в формате JPEG, PNG или WebP. Кредиты не списаны."

    for person in (user, ru):
        assert await harness.jobs_of(person) == []
        money = await harness.settled(person)
        assert [(e.type, e.amount) for e in money.ledger] == [("grant", CREDITS)]
    assert kie.stats.totals.uploads == 0
    assert kie.stats.totals.create_attempts == 0


async def test_text_to_video_and_photo_to_video_on_veo(harness: Harness, kie: KieSimulator) -> None:
    await harness.start()
    user = harness.new_user()
    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Text → video")
    models = await screen(harness, user, menu, "choose a model")
    assert "✓ Kling 2.6 video · 45" in labels(models)
    await press(harness, user, models, "Kling 2.6 video")
    await screen(harness, user, menu, "Send a text prompt describing the scene.")

    status = await harness.say(user, "a whale jumping at sunset")
    assert (await harness.wait_final(user, status)).text == "✅ Done. 45 credits spent."

    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Photo → video")
    models = await screen(harness, user, menu, "choose a model")
    await press(harness, user, models, "Veo 3.1 Fast: animate a photo")
    await screen(harness, user, menu, "Send a photo with a caption describing the motion.")
    after = harness.last_id(user)
    harness.telegram.send_photo(user, PHOTO, caption="the waves start to move")
    status = await harness.next_message(user, after, lambda m: m.kind == "text")
    assert (await harness.wait_final(user, status)).text == "✅ Done. 50 credits spent."

    kling, veo = task_bodies(kie)
    assert kling["model"] == "kling-2.6/text-to-video"
    assert kling["input"] == {
        "prompt": "a whale jumping at sunset",
        "sound": False,
        "aspect_ratio": "16:9",
        "duration": "5",
    }
    assert veo["model"] == "veo3_fast"  # Veo's own endpoint: a flat body
    assert veo["generationType"] == "FIRST_AND_LAST_FRAMES_2_VIDEO"
    assert _uploaded(veo["imageUrls"][0], kie)
    assert [m.kind for m in results(harness, user)] == ["video", "video"]
    assert kie.stats.totals.telegram_file_urls_seen == 0
    assert (await harness.settled(user)).balance == CREDITS - 95


async def test_the_prompt_request_shows_the_price_with_the_users_settings(
    harness: Harness, kie: KieSimulator
) -> None:
    """Regression: asking for the prompt of a waiting photo quoted the model's default
    price, not the one the user's settings (a 10 s video) make and are charged."""
    process = await harness.start()
    user = harness.new_user()
    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Photo → video")
    models = await screen(harness, user, menu, "choose a model")
    await press(harness, user, models, "Kling 2.6: animate a photo")
    card = await screen(harness, user, menu, "Kling 2.6: animate a photo, 45 credits")
    await press(harness, user, card, "Duration, s")
    values = await screen(harness, user, menu, "choose Duration, s")
    await press(harness, user, values, "10")
    price = process.surface.catalog.get("kling-2.6/image-to-video").price_for({"duration": "10"})
    assert price != 45
    await screen(harness, user, menu, f"animate a photo, {price} credits")

    after = harness.last_id(user)
    harness.telegram.send_photo(user, PHOTO)
    question = await reply_after(harness, user, after, "What should I do with this photo?")
    assert f"📽 Photo → video · {price}" in labels(question)
    after = harness.last_id(user)
    await press(harness, user, question, "Photo → video")
    asked = await reply_after(harness, user, after, "Now send a text")
    assert asked.text == (
        f"Photos: 1. Now send a text: how it should move (Kling 2.6: animate a photo, "
        f"{price} credits)."
    )
    status = await harness.say(user, "the leaves start to fall")
    await harness.wait_final(user, status)
    assert (await harness.settled(user)).balance == CREDITS - price
