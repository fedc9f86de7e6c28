"""A user's choices come back after a restart, and a catalog change never strands them."""

from __future__ import annotations

from redis.asyncio import Redis

from kiebot.catalog import Kind, load_catalog
from kiebot.preferences import Preferences
from kiebot.store import Keys


async def test_choices_are_kept_and_typed_values_stay_typed(redis: Redis) -> None:
    catalog = load_catalog(None)
    keys = Keys(prefix="kbprefs:")
    await Preferences(redis, keys).set_model(7, Kind.IMAGE_EDIT, "google/nano-banana-edit")
    await Preferences(redis, keys).set_option(7, "z-image", "aspect_ratio", "16:9")
    await Preferences(redis, keys).set_language(7, "ru")

    prefs = await Preferences(redis, keys).get(7)  # a new object: as after a restart

    assert prefs.language == "ru"
    assert prefs.model_for(catalog, Kind.IMAGE_EDIT).id == "google/nano-banana-edit"
    assert prefs.options_for(catalog.get("z-image")) == {"aspect_ratio": "16:9"}


async def test_a_choice_the_catalog_no_longer_accepts_is_dropped(redis: Redis) -> None:
    catalog = load_catalog(None)
    preferences = Preferences(redis, Keys(prefix="kbprefs2:"))
    await preferences.set_model(8, Kind.TEXT_TO_IMAGE, "removed/model")
    await preferences.set_option(8, "z-image", "aspect_ratio", "99:1")
    await preferences.set_aspect_ratio(8, "1:1")

    prefs = await preferences.get(8)

    assert prefs.model_for(catalog, Kind.TEXT_TO_IMAGE) == catalog.default_model(Kind.TEXT_TO_IMAGE)
    assert prefs.options_for(catalog.get("z-image")) == {"aspect_ratio": "1:1"}


async def test_forget_deletes_every_choice(redis: Redis) -> None:
    preferences = Preferences(redis, Keys(prefix="kbprefs3:"))
    await preferences.set_language(9, "en")
    await preferences.forget(9)
    assert (await preferences.get(9)).language is None
