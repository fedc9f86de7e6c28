"""Loading the catalog: the bundled file, and malformed files refused with model + field."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiebot.catalog import (
    CatalogError,
    JobClass,
    Kind,
    ModelUnavailable,
    UnknownModel,
    load_catalog,
    parse_catalog,
)
from kiebot.kie import FAMILIES, MARKET

BASE = """
version = 1

[models.m]
family = "market"
kind = "text_to_image"
name = { en = "M", ru = "М" }
price = 2
timeout_s = 60
typical_s = 5
prompt_field = "prompt"

[models.m.fields.prompt]
type = "string"
required = true
max_length = 100

[models.m.fields.aspect_ratio]
type = "enum"
choices = ["1:1", "16:9"]
default = "1:1"
"""

SECOND = """
[models.n]
family = "market"
kind = "text_to_image"
name = { en = "N", ru = "Н" }
price = 1
timeout_s = 60
typical_s = 5
prompt_field = "prompt"
fields.prompt = { type = "string", required = true }
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_catalog_loads() -> None:
    catalog = load_catalog()
    ids = {entry.id for entry in catalog.models()}
    assert {"z-image", "google/nano-banana", "google/nano-banana-edit"} <= ids
    for entry in catalog:
        assert entry.family in FAMILIES
        assert entry.display_name("ru")
        assert entry.display_name("en")
        assert 0 < entry.typical_s < entry.timeout_s
    assert catalog.default_model(Kind.TEXT_TO_IMAGE).id == "z-image"
    assert catalog.default_model("image_edit").id == "google/nano-banana-edit"


def test_every_kind_the_issue_names_is_sold() -> None:
    """Issue 5 item 1: at least these models, and every kind has an enabled default."""
    catalog = load_catalog()
    ids = {entry.id for entry in catalog.models()}
    assert {
        "bytedance/seedream-v4-text-to-image",
        "bytedance/seedream-v4-edit",
        "flux-2/pro-text-to-image",
        "topaz/image-upscale",
        "recraft/remove-background",
        "kling-2.6/text-to-video",
        "kling-2.6/image-to-video",
        "bytedance/v1-pro-text-to-video",
        "veo-3.1-fast",
    } <= ids
    for kind in Kind:
        assert catalog.default_model(kind).kind is kind
    assert catalog.get("veo-3.1-fast").family == "veo"
    assert catalog.get("veo-3.1-fast").kie_model == "veo3_fast"
    assert catalog.get("kling-2.6/text-to-video").job_class is JobClass.VIDEO
    assert catalog.get("z-image").endpoint is MARKET


def test_video_prices_follow_duration_resolution_and_sound() -> None:
    catalog = load_catalog()
    kling = catalog.get("kling-2.6/text-to-video")
    assert kling.price_for({}) == 45
    assert kling.price_for({"duration": "10"}) == 90
    assert kling.price_for({"duration": "10", "sound": True}) == 180
    seedance = catalog.get("bytedance/v1-pro-text-to-video")
    assert seedance.price_for({"resolution": "480p"}) < seedance.price_for({})
    assert seedance.price_for({"duration": "10"}) == 2 * seedance.price_for({})


def test_fallbacks_lead_to_a_model_of_the_same_kind() -> None:
    catalog = load_catalog()
    for entry in catalog:
        fallback = catalog.fallback_for(entry.id)
        if fallback is not None:
            assert fallback.kind is entry.kind
            assert fallback.id != entry.id
    assert catalog.fallback_for("veo-3.1-fast").id == "kling-2.6/text-to-video"  # type: ignore[union-attr]


def test_the_bundled_schemas_are_kies_documented_ones() -> None:
    """docs/kie-models.md sections 1-3: names, types, choices, limits."""
    catalog = load_catalog()
    z_image = catalog.get("z-image")
    assert list(z_image.fields) == ["prompt", "aspect_ratio"]
    assert z_image.max_prompt_length == 1000
    assert z_image.fields["aspect_ratio"].choices == ("1:1", "4:3", "3:4", "16:9", "9:16")
    nano = catalog.get("google/nano-banana")
    assert list(nano.fields) == [
        "prompt",
        "output_format",
        "aspect_ratio",
        "image_size",
        "nsfw_checker",
    ]
    assert nano.max_prompt_length == 5000
    assert len(nano.fields["aspect_ratio"].choices) == 11
    edit = catalog.get("google/nano-banana-edit")
    assert list(edit.fields) == [
        "prompt",
        "image_urls",
        "output_format",
        "aspect_ratio",
        "image_size",
    ]
    assert edit.image_limits == (1, 10)
    assert [spec.name for spec in edit.options] == ["output_format", "aspect_ratio"]


def test_an_operator_file_replaces_the_bundled_one(tmp_path: Path) -> None:
    catalog = load_catalog(_write(tmp_path, BASE))
    assert [entry.id for entry in catalog] == ["m"]
    assert catalog.source.endswith("catalog.toml")


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"nope\.toml"):
        load_catalog(tmp_path / "nope.toml")


# (what to replace in BASE, with what, the model and the field the error must name)
MALFORMED = [
    ('family = "market"', 'family = "bazaar"', "m", "family"),
    ('kind = "text_to_image"', 'kind = "text_to_poem"', "m", "kind"),
    ('name = { en = "M", ru = "М" }', 'name = { en = "M" }', "m", "name.ru"),
    ("price = 2", "price = -1", "m", "price"),
    ("price = 2", "price = 0.8", "m", "price"),
    ("typical_s = 5", "typical_s = 90", "m", "typical_s"),
    ("timeout_s = 60", "timeout_s = 0", "m", "timeout_s"),
    ('prompt_field = "prompt"', 'prompt_field = "text"', "m", "prompt_field"),
    ('prompt_field = "prompt"', "", "m", "prompt_field"),
    ('prompt_field = "prompt"', 'prompt_field = "aspect_ratio"', "m", "prompt_field"),
    ("max_length = 100", "max_lenght = 100", "m", "fields.prompt.max_lenght"),
    ('type = "string"', 'type = "text"', "m", "fields.prompt.type"),
    ("max_length = 100", 'choices = ["a"]', "m", "fields.prompt.choices"),
    ('default = "1:1"', 'default = "4:3"', "m", "fields.aspect_ratio.default"),
    ('default = "1:1"', "default = 1", "m", "fields.aspect_ratio.default"),
    ('choices = ["1:1", "16:9"]', "choices = []", "m", "fields.aspect_ratio.choices"),
    ('choices = ["1:1", "16:9"]', 'choices = ["1:1", "1:1"]', "m", "fields.aspect_ratio.choices"),
    ('default = "1:1"', 'default = "1:1"\nmax = 3', "m", "fields.aspect_ratio.max"),
    ('default = "1:1"', "required = true", "m", "fields.aspect_ratio.default"),
    ('default = "1:1"', "fixed = true", "m", "fields.aspect_ratio.default"),
    ('default = "1:1"', 'default = "1:1"\ndeprecated = true', "m", "fields.aspect_ratio"),
    ("max_length = 100", "max_length = 100\nmin_length = 200", "m", "fields.prompt.min_length"),
    ("typical_s = 5", 'typical_s = 5\nenabled = "yes"', "m", "enabled"),
    ("typical_s = 5", "typical_s = 5\nfavourite = true", "m", "favourite"),
    ("typical_s = 5", 'typical_s = 5\nfallback = "ghost"', "m", "fallback"),
    ("typical_s = 5", 'typical_s = 5\nfallback = "m"', "m", "fallback"),
    ("typical_s = 5", 'typical_s = 5\nclass = "audio"', "m", "class"),
    ('kind = "text_to_image"', 'kind = "image_edit"', "m", "image_field"),
    ("typical_s = 5", "typical_s = 5\ndaily_budget = 0", "m", "daily_budget"),
    ("typical_s = 5", "typical_s = 5\ndaily_budget = 2.5", "m", "daily_budget"),
    ("typical_s = 5", 'typical_s = 5\ndaily_budget = "100"', "m", "daily_budget"),
]


def test_a_daily_budget_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE.replace("typical_s = 5", "typical_s = 5\ndaily_budget = 40"))
    assert load_catalog(path).get("m").daily_budget == 40
    assert load_catalog(_write(tmp_path, BASE)).get("m").daily_budget is None


@pytest.mark.parametrize(("old", "new", "model", "field"), MALFORMED)
def test_a_malformed_model_is_refused_naming_model_and_field(
    tmp_path: Path, old: str, new: str, model: str, field: str
) -> None:
    assert old in BASE
    path = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    error = caught.value
    assert (error.model, error.field) == (model, field)
    assert f"model {model!r}" in str(error)
    assert f"field {field!r}" in str(error)
    assert str(path) in str(error)


PRICE_TABLES = [
    ("[models.m.price]\nbase = 2\nadd.aspect_ratio = { '1:1' = 0 }", "price.add.aspect_ratio"),
    ("[models.m.price]\nbase = 2\nadd.prompt = { 'x' = 1 }", "price.add.prompt"),
    ("[models.m.price]\nbase = 2\nadd.seed = { '1' = 1 }", "price.add.seed"),
    (
        "[models.m.price]\nbase = 2\nmul.aspect_ratio = { '1:1' = 1, '16:9' = 0 }",
        "price.mul.aspect_ratio.16:9",
    ),
    (
        "[models.m.price]\nbase = 2\nadd.aspect_ratio = { '1:1' = 0, '16:9' = 1, '4:3' = 2 }",
        "price.add.aspect_ratio.4:3",
    ),
    ("[models.m.price]\nadd.aspect_ratio = { '1:1' = 0, '16:9' = 1 }", "price.base"),
]


@pytest.mark.parametrize(("table", "field"), PRICE_TABLES)
def test_a_bad_price_table_is_refused(tmp_path: Path, table: str, field: str) -> None:
    text = BASE.replace("price = 2\n", "") + "\n" + table + "\n"
    with pytest.raises(CatalogError) as caught:
        load_catalog(_write(tmp_path, text))
    assert (caught.value.model, caught.value.field) == ("m", field)


def test_a_fallback_loop_is_refused() -> None:
    text = BASE.replace("typical_s = 5", 'typical_s = 5\nfallback = "n"') + SECOND.replace(
        "typical_s = 5", 'typical_s = 5\nfallback = "m"'
    )
    with pytest.raises(CatalogError, match="loops back") as caught:
        parse_catalog(text)
    assert caught.value.field == "fallback"


def test_a_fallback_of_another_kind_is_refused() -> None:
    text = BASE.replace("typical_s = 5", 'typical_s = 5\nfallback = "n"') + SECOND.replace(
        "text_to_image", "text_to_video"
    )
    with pytest.raises(CatalogError, match="text_to_video") as caught:
        parse_catalog(text)
    assert (caught.value.model, caught.value.field) == ("m", "fallback")


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("version = 1\n", "models", "missing"),
        ("version = 2\n[models]\n", "version", "format 1"),
        ("version = 1\n[models]\n", "models", "no models"),
        (BASE + "\n[defaults]\nimage_edit = 'm'\n", "defaults.image_edit", "text_to_image"),
        (BASE + "\n[defaults]\nsinging = 'm'\n", "defaults.singing", "not a kind"),
        (BASE + "\n[defaults]\ntext_to_image = 'x'\n", "defaults.text_to_image", "not in"),
        ("extra = 1\n" + BASE, "extra", "unknown key"),
    ],
)
def test_file_level_errors_name_the_key(text: str, field: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message) as caught:
        parse_catalog(text)
    assert caught.value.field == field


def test_broken_toml_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="not valid TOML"):
        parse_catalog("version = = 1")


def test_look_ups_by_kind_class_and_state() -> None:
    disabled = SECOND.replace("typical_s = 5", "typical_s = 5\nenabled = false")
    catalog = parse_catalog(BASE + disabled + "\n[defaults]\ntext_to_image = 'n'\n")
    assert [e.id for e in catalog.models(kind="text_to_image")] == ["m"]
    assert [e.id for e in catalog.models(enabled_only=False)] == ["m", "n"]
    assert catalog.models(job_class=JobClass.VIDEO) == ()
    assert catalog.models(kind=Kind.UPSCALE) == ()
    # The chosen default is disabled: the first enabled model of the kind stands in.
    assert catalog.default_model(Kind.TEXT_TO_IMAGE).id == "m"
    assert catalog.get("n").enabled is False  # disabled models stay reachable by id
    with pytest.raises(UnknownModel):
        catalog.get("ghost")
    with pytest.raises(ModelUnavailable):
        catalog.default_model(Kind.TEXT_TO_VIDEO)


def test_fallback_skips_disabled_models() -> None:
    third = SECOND.replace("[models.n]", "[models.o]").replace('en = "N"', 'en = "O"')
    text = (
        BASE.replace("typical_s = 5", 'typical_s = 5\nfallback = "n"')
        + SECOND.replace("typical_s = 5", 'typical_s = 5\nenabled = false\nfallback = "o"')
        + third
    )
    catalog = parse_catalog(text)
    fallback = catalog.fallback_for("m")
    assert fallback is not None
    assert fallback.id == "o"
    assert catalog.fallback_for("o") is None


def test_kie_model_and_class_can_be_overridden() -> None:
    text = BASE.replace(
        "typical_s = 5", 'typical_s = 5\nkie_model = "vendor/m-v2"\nclass = "video"'
    )
    entry = parse_catalog(text).get("m")
    assert entry.kie_model == "vendor/m-v2"
    assert entry.job_class is JobClass.VIDEO
