"""Issue 5's "done when", played through the Telegram simulator: every kind of the
catalog is chosen in /models, one of its settings changed, paid for and delivered, in
English and in Russian; a button under the result then chains a job whose input is
that result (KIE's own link, never a Telegram file URL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pytest

from kiebot.bot.texts import text
from kiebot.catalog import Kind, ModelEntry
from kiebot.sim.kie import KieSimulator
from kiebot.sim.media import png_bytes
from kiebot.sim.telegram import SentMessage, SimUser
from tests.e2e.harness import Harness
from tests.flows.conftest import CREDITS
from tests.flows.support import PHOTO, press, results, screen, task_bodies

Input = Literal["prompt", "photo_caption", "album_caption", "photo"]
Chain = Literal["upscale", "animate", "again"]


@dataclass(frozen=True)
class Case:
    kind: Kind
    model: str
    option: str | None  # a setting to change in /models; None: the model has none
    value: str
    input: Input
    chain: Chain


CASES = [
    Case(Kind.TEXT_TO_IMAGE, "seedream/4.5-text-to-image", "quality", "high", "prompt", "upscale"),
    Case(Kind.IMAGE_EDIT, "seedream/4.5-edit", "aspect_ratio", "16:9", "photo_caption", "upscale"),
    Case(
        Kind.MULTI_IMAGE,
        "flux-2/pro-image-to-image",
        "resolution",
        "2K",
        "album_caption",
        "upscale",
    ),
    Case(Kind.UPSCALE, "topaz/image-upscale", "upscale_factor", "4", "photo", "animate"),
    Case(Kind.BACKGROUND_REMOVAL, "recraft/remove-background", None, "", "photo", "upscale"),
    Case(
        Kind.TEXT_TO_VIDEO,
        "bytedance/v1-pro-text-to-video",
        "resolution",
        "1080p",
        "prompt",
        "again",
    ),
    Case(
        Kind.IMAGE_TO_VIDEO, "kling-2.6/image-to-video", "duration", "10", "photo_caption", "again"
    ),
]
WORDS = {
    "en": {"prompt": "a lighthouse on a cliff at dawn", "motion": "the camera slowly pulls back"},
    "ru": {"prompt": "маяк на скале на рассвете", "motion": "камера медленно отъезжает"},
}


def test_the_cases_cover_every_kind_of_the_catalog() -> None:
    assert {case.kind for case in CASES} == set(Kind)


async def choose(
    harness: Harness, user: SimUser, language: str, case: Case, entry: ModelEntry
) -> SentMessage:
    """/models → the kind → the model → (one setting → a value); the model's card."""
    menu = await harness.say(user, "/models")
    kind_label = text(f"kind.{case.kind.value}", language)
    await press(harness, user, menu, kind_label)
    models = await screen(harness, user, menu, text("models.kind_title", language, kind=kind_label))
    name = entry.display_name(language)
    await press(harness, user, models, name)
    card = await screen(harness, user, menu, f"{name}, ")
    assert text(f"models.hint.{case.kind.value}", language).split("<")[0] in (card.text or "")
    if case.option is None:
        assert text("models.no_options", language) in (card.text or "")
        return card
    option = text(f"option.{case.option}", language)
    await press(harness, user, card, f"{option}:")
    values = await screen(
        harness, user, menu, text("models.choose_value", language, model=name, name=option)
    )
    await press(harness, user, values, case.value)
    card = await screen(harness, user, menu, f"{option}: {case.value}")
    price = entry.price_for({case.option: case.value})
    assert f"{name}, {price} " in (card.text or ""), card.text
    return card


async def send_input(harness: Harness, user: SimUser, language: str, case: Case) -> SentMessage:
    """The user's input for the kind; the job's status message."""
    after = harness.last_id(user)
    words = WORDS[language]
    if case.input == "prompt":
        harness.telegram.send_text(user, words["prompt"])
    elif case.input == "photo_caption":
        caption = words["motion"] if case.kind is Kind.IMAGE_TO_VIDEO else words["prompt"]
        harness.telegram.send_photo(user, PHOTO, caption=caption)
    elif case.input == "album_caption":
        album = [png_bytes(300 + i, 300) for i in range(2)]
        harness.telegram.send_album(user, album, caption=words["prompt"])
    else:
        harness.telegram.send_photo(user, PHOTO)
    return await harness.next_message(user, after, lambda m: m.kind == "text")


def input_values(body: dict[str, Any]) -> list[Any]:
    """Every value of a task's input, lists flattened: where a source image may be."""
    values: list[Any] = []
    for value in body["input"].values():
        values.extend(value if isinstance(value, list) else [value])
    return values


def same_request(body: dict[str, Any], original: dict[str, Any], kie: KieSimulator) -> bool:
    """The same model, prompt and settings; a photo input is uploaded to KIE again from
    the file id Telegram keeps, so only where its link points is compared."""

    def shown(task: dict[str, Any]) -> dict[str, Any]:
        return {
            name: [url.startswith(kie.url + "/files/kiebot/inputs/") for url in value]
            if name == "image_urls"
            else value
            for name, value in task["input"].items()
        }

    return body["model"] == original["model"] and shown(body) == shown(original)


async def chain(
    harness: Harness, user: SimUser, language: str, case: Case, result: SentMessage
) -> SentMessage:
    """Press the case's button under the result; the new job's final status."""
    after = harness.last_id(user)
    label = text(f"result.{case.chain}", language, price=0).split(" · ")[0]
    await press(harness, user, result, label)
    if case.chain == "animate":  # an upscaled photo has no prompt: the bot asks for one
        question = await harness.next_message(user, after, lambda m: m.kind == "text")
        assert question.text == text(
            "flow.prompt_needed",
            language,
            count=1,
            what=text("flow.what.image_to_video", language),
            model=harness.running.surface.catalog.get("kling-2.6/image-to-video").display_name(
                language
            ),
            price=45,
        )
        status = await harness.say(user, WORDS[language]["motion"])
    else:
        status = await harness.next_message(user, after, lambda m: m.kind == "text")
    return await harness.wait_final(user, status)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("case", CASES, ids=[case.kind.value for case in CASES])
async def test_every_kind_is_chosen_configured_paid_delivered_and_chained(
    harness: Harness, kie: KieSimulator, case: Case, language: str
) -> None:
    process = await harness.start()
    catalog = process.surface.catalog
    entry = catalog.get(case.model)
    user = harness.new_user("Ира" if language == "ru" else "Ira", language_code=language)
    await choose(harness, user, language, case, entry)
    options = {case.option: case.value} if case.option else {}
    price = entry.price_for(options)

    status = await send_input(harness, user, language, case)
    final = await harness.wait_final(user, status)
    assert final.text == text("status.done", language, price=price)
    (first,) = task_bodies(kie)
    assert first["model"] == case.model
    if case.option:
        assert first["input"][case.option] == case.value
    (result,) = results(harness, user)
    expected = ("video",) if entry.job_class == "video" else ("photo", "document")
    assert result.kind in expected
    source = next(t for t in kie.tasks.values() if t.model == case.model).result_urls()[0]

    chained = await chain(harness, user, language, case, result)
    assert (chained.text or "").startswith("✅"), chained.text
    first_again, second = task_bodies(kie)
    assert first_again == first
    chained_job = (await harness.jobs_of(user))[-1]
    if case.chain == "again":
        assert same_request(second, first, kie), "again: the same model, prompt and settings"
        assert chained_job.price == price
    else:
        assert source in input_values(second), "the result is the new job's input"
    assert len(results(harness, user)) == 2
    assert kie.stats.totals.telegram_file_urls_seen == 0
    money = await harness.settled(user)
    assert money.balance == CREDITS - price - chained_job.price
