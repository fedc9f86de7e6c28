"""build_input and price_for: KIE's exact input objects, and typed refusals of bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kiebot.catalog import (
    Catalog,
    ImagesRequired,
    InvalidOption,
    PromptMissing,
    PromptNotAccepted,
    PromptTooLong,
    PromptTooShort,
    TooManyImages,
    load_catalog,
    parse_catalog,
)
from kiebot.kie import KeyPool, KieClient, TaskState, create_kie_session
from kiebot.sim.kie import KieSimulator
from kiebot.sim.media import png_bytes

URL = "https://tempfile.redpandaai.co/kieai/in.png"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_z_image_input_is_exactly_kies(catalog: Catalog) -> None:
    entry = catalog.get("z-image")
    assert entry.build_input("  a red fox  ", {}) == {"prompt": "a red fox", "aspect_ratio": "1:1"}
    assert entry.build_input("fox", {"aspect_ratio": "9:16"}) == {
        "prompt": "fox",
        "aspect_ratio": "9:16",
    }


def test_nano_banana_sends_defaults_but_never_the_deprecated_field(catalog: Catalog) -> None:
    built = catalog.get("google/nano-banana").build_input("fox", {"output_format": "jpeg"})
    assert built == {
        "prompt": "fox",
        "output_format": "jpeg",
        "aspect_ratio": "1:1",
        "nsfw_checker": False,
    }


def test_nano_banana_edit_takes_the_photos_as_image_urls(catalog: Catalog) -> None:
    entry = catalog.get("google/nano-banana-edit")
    built = entry.build_input("make it blue", {"aspect_ratio": "auto"}, [URL, URL])
    assert built == {
        "prompt": "make it blue",
        "image_urls": [URL, URL],
        "output_format": "png",
        "aspect_ratio": "auto",
    }


def test_a_none_option_means_not_chosen(catalog: Catalog) -> None:
    built = catalog.get("z-image").build_input("fox", {"aspect_ratio": None})
    assert built["aspect_ratio"] == "1:1"


def test_prompt_limits(catalog: Catalog) -> None:
    entry = catalog.get("z-image")
    assert entry.build_input("x" * 1000, {})["prompt"] == "x" * 1000
    with pytest.raises(PromptTooLong) as caught:
        entry.build_input("x" * 1001, {})
    assert (caught.value.max_length, caught.value.length) == (1000, 1001)
    assert caught.value.user_message_key == "input.prompt_too_long"
    for empty in (None, "", "   \n"):
        with pytest.raises(PromptMissing):
            entry.build_input(empty, {})


def test_prompt_minimum_length() -> None:
    text = _catalog_text(prompt="max_length = 50\nmin_length = 3")
    entry = parse_catalog(text).get("m")
    with pytest.raises(PromptTooShort) as caught:
        entry.build_input("ab", {})
    assert (caught.value.min_length, caught.value.length) == (3, 2)


def test_bad_options_are_refused_with_the_field_and_choices(catalog: Catalog) -> None:
    entry = catalog.get("z-image")
    with pytest.raises(InvalidOption) as caught:
        entry.build_input("fox", {"aspect_ratio": "21:9"})
    error = caught.value
    assert (error.field, error.value) == ("aspect_ratio", "21:9")
    assert error.choices == ("1:1", "4:3", "3:4", "16:9", "9:16")
    assert error.user_message_key == "input.invalid_option"
    with pytest.raises(InvalidOption, match="seed"):
        entry.build_input("fox", {"seed": 1})
    with pytest.raises(InvalidOption, match="prompt"):
        entry.build_input("fox", {"prompt": "other"})


@pytest.mark.parametrize(
    ("option", "value"), [("nsfw_checker", True), ("image_size", "1:1"), ("aspect_ratio", 1)]
)
def test_fixed_deprecated_and_mistyped_options_are_refused(
    catalog: Catalog, option: str, value: object
) -> None:
    with pytest.raises(InvalidOption) as caught:
        catalog.get("google/nano-banana").build_input("fox", {option: value})
    assert caught.value.field == option


def test_image_counts(catalog: Catalog) -> None:
    edit = catalog.get("google/nano-banana-edit")
    with pytest.raises(ImagesRequired) as required:
        edit.build_input("blue", {})
    assert required.value.min_images == 1
    with pytest.raises(TooManyImages) as too_many:
        edit.build_input("blue", {}, [URL] * 11)
    assert (too_many.value.max_images, too_many.value.count) == (10, 11)
    with pytest.raises(TooManyImages) as text_only:
        catalog.get("z-image").build_input("fox", {}, [URL])
    assert text_only.value.max_images == 0
    with pytest.raises(InvalidOption, match="http"):
        edit.build_input("blue", {}, ["file:///etc/passwd"])


def test_a_model_without_prompt_refuses_one_and_takes_a_single_image() -> None:
    text = """
version = 1
[models.up]
family = "market"
kind = "upscale"
name = { en = "Upscale", ru = "Увеличение" }
price = 5
timeout_s = 300
typical_s = 20
image_field = "image_url"
fields.image_url = { type = "image", required = true }
fields.upscale_factor = { type = "enum", choices = ["1", "2", "4", "8"], default = "2" }
"""
    entry = parse_catalog(text).get("up")
    assert entry.build_input(None, {"upscale_factor": "4"}, [URL]) == {
        "image_url": URL,
        "upscale_factor": "4",
    }
    with pytest.raises(PromptNotAccepted):
        entry.build_input("sharper please", {}, [URL])
    with pytest.raises(TooManyImages):
        entry.build_input(None, {}, [URL, URL])


def test_applicable_keeps_what_another_model_can_take(catalog: Catalog) -> None:
    saved = {"aspect_ratio": "21:9", "output_format": "jpeg", "seed": 3}
    assert catalog.get("z-image").applicable(saved) == {}
    assert catalog.get("google/nano-banana").applicable(saved) == {
        "aspect_ratio": "21:9",
        "output_format": "jpeg",
    }


# -- prices ------------------------------------------------------------------------------

KLING_LIKE = """
version = 1
[models.v]
family = "market"
kind = "text_to_video"
name = { en = "V", ru = "В" }
timeout_s = 900
typical_s = 90
prompt_field = "prompt"
fields.prompt = { type = "string", required = true, max_length = 1000 }
fields.sound = { type = "bool", required = true, default = false }
fields.duration = { type = "enum", required = true, choices = ["5", "10"], default = "5" }
fields.resolution = { type = "enum", choices = ["480p", "720p", "1080p"], default = "720p" }

[models.v.price]
base = 50
add.duration = { "5" = 0, "10" = 50 }
add.sound = { "true" = 20, "false" = 0 }
mul.resolution = { "480p" = 0.5, "720p" = 1, "1080p" = 2.8 }
"""


@pytest.mark.parametrize(
    ("options", "price"),
    [
        ({}, 50),
        ({"duration": "10"}, 100),
        ({"duration": "10", "sound": True}, 120),
        ({"resolution": "480p", "sound": True}, 35),
        ({"resolution": "1080p"}, 140),  # 50 * 2.8 = 140.00000000000003 in floats
        ({"resolution": "1080p", "duration": "10", "sound": True}, 336),
    ],
)
def test_price_depends_on_options(options: dict[str, object], price: int) -> None:
    entry = parse_catalog(KLING_LIKE).get("v")
    assert entry.price_for(options) == price


def test_a_price_is_rounded_up_to_whole_credits() -> None:
    text = KLING_LIKE.replace('"480p" = 0.5', '"480p" = 0.33')
    assert parse_catalog(text).get("v").price_for({"resolution": "480p"}) == 17  # 16.5 -> 17


def test_price_for_checks_the_options(catalog: Catalog) -> None:
    assert catalog.get("z-image").price_for({}) == 1
    with pytest.raises(InvalidOption):
        parse_catalog(KLING_LIKE).get("v").price_for({"duration": "15"})


def _catalog_text(prompt: str) -> str:
    return f"""
version = 1
[models.m]
family = "market"
kind = "text_to_image"
name = {{ en = "M", ru = "М" }}
price = 1
timeout_s = 60
typical_s = 5
prompt_field = "prompt"
[models.m.fields.prompt]
type = "string"
required = true
{prompt}
"""


# -- against the KIE simulator (written from KIE's docs, independently of the catalog) ---


@pytest.fixture
async def kie() -> AsyncIterator[tuple[KieSimulator, KieClient]]:
    sim = KieSimulator()
    sim.config.create_limit = 1000  # every model twice, without waiting for the window
    await sim.start(host="127.0.0.1", port=0)
    session = create_kie_session(timeout_s=5.0)
    pool = KeyPool(sim.config.keys, create_limit=1000)
    yield sim, KieClient(session, pool, api_url=sim.url, upload_url=sim.url)
    await session.close()
    await sim.close()


async def test_every_bundled_model_is_accepted_by_the_simulator(
    catalog: Catalog, kie: tuple[KieSimulator, KieClient]
) -> None:
    """Each model's input, with its defaults and with the last choice of every option,
    passes the simulator's check of KIE's documented schema (422 otherwise), on the
    model's own endpoint family."""
    sim, client = kie
    photo = await client.upload_file(png_bytes(512, 512), file_name="in.png")
    for entry in catalog.models():
        low, _ = entry.image_limits
        images = [photo.url] * max(low, 1) if entry.image_field else []
        prompt = "a lighthouse at dusk" if entry.prompt_field else None
        last = {spec.name: spec.choices[-1] for spec in entry.options if spec.choices}
        for options in ({}, last):
            task_input = entry.build_input(prompt, options, images)
            assert set(task_input) <= set(sim.models[entry.kie_model].fields), entry.id
            created = await client.create_task(entry.kie_model, task_input, family=entry.endpoint)
            sim.finish_now(created.task_id)
            record = await client.get_task(created.task_id, created.key_id, family=entry.endpoint)
            assert record.state is TaskState.SUCCESS, entry.id
            sent = record.param if entry.family == "veo" else record.param["input"]
            assert {k: sent[k] for k in task_input} == task_input
