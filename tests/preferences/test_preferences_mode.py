"""The kind chosen last is the user's mode; a model switched off live is passed over."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from kiebot.catalog import Kind, ModelUnavailable, load_catalog
from kiebot.preferences import Preferences
from kiebot.store import Keys


async def test_choosing_a_model_makes_its_kind_the_mode(redis: Redis) -> None:
    preferences = Preferences(redis, Keys(prefix="kbmode:"))
    assert (await preferences.get(1)).mode is None
    await preferences.set_model(1, Kind.TEXT_TO_VIDEO, "kling-2.6/text-to-video")
    assert (await preferences.get(1)).mode is Kind.TEXT_TO_VIDEO
    await preferences.set_mode(1, Kind.UPSCALE)
    prefs = await preferences.get(1)
    assert prefs.mode is Kind.UPSCALE
    assert prefs.models == {"text_to_video": "kling-2.6/text-to-video"}


async def test_a_stored_mode_this_version_lacks_reads_as_none(redis: Redis) -> None:
    keys = Keys(prefix="kbmode2:")
    await redis.hset(keys.preferences(2), "mode", "hologram")
    assert (await Preferences(redis, keys).get(2)).mode is None


async def test_live_switches_pass_over_a_chosen_model_and_the_default(redis: Redis) -> None:
    catalog = load_catalog(None)
    preferences = Preferences(redis, Keys(prefix="kbmode3:"))
    await preferences.set_model(3, Kind.TEXT_TO_IMAGE, "google/nano-banana")
    prefs = await preferences.get(3)
    assert prefs.model_for(catalog, Kind.TEXT_TO_IMAGE).id == "google/nano-banana"
    off = {"google/nano-banana": False, "z-image": False}
    chosen = prefs.model_for(catalog, Kind.TEXT_TO_IMAGE, off)
    assert chosen.id not in off
    assert chosen.kind is Kind.TEXT_TO_IMAGE
    every_upscaler_off = {e.id: False for e in catalog.models(kind=Kind.UPSCALE)}
    with pytest.raises(ModelUnavailable):
        prefs.model_for(catalog, Kind.UPSCALE, every_upscaler_off)
