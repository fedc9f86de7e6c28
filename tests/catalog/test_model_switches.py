"""An operator's live switch turns a model off for every process, and survives a restart."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from kiebot.catalog import ModelSwitches, UnknownModel, load_catalog
from kiebot.store import Keys


async def test_switching_a_model_off_hides_it_and_a_second_process_sees_it(redis: Redis) -> None:
    catalog = load_catalog(None)
    keys = Keys(prefix="kbswitch:")
    now = [0.0]
    first = ModelSwitches(redis, keys, catalog, clock=lambda: now[0])
    second = ModelSwitches(redis, keys, catalog, clock=lambda: now[0])
    entry = catalog.get("z-image")
    assert await second.is_enabled(entry)

    await first.set_enabled("z-image", False)

    assert not await first.is_enabled(entry)
    assert entry not in await first.enabled_models()
    assert await second.is_enabled(entry)  # its cache is still fresh
    now[0] += 5
    assert not await second.is_enabled(entry)
    await second.set_enabled("z-image", True)
    assert await second.is_enabled(entry)


async def test_an_unknown_model_cannot_be_switched(redis: Redis) -> None:
    switches = ModelSwitches(redis, Keys(prefix="kbswitch2:"), load_catalog(None))
    with pytest.raises(UnknownModel):
        await switches.set_enabled("no/such-model", False)
    assert await redis.exists("kbswitch2:models:switches") == 0


async def test_an_admin_switch_in_another_process_is_seen_within_a_second(
    redis: Redis,
) -> None:
    catalog = load_catalog(None)
    keys = Keys(prefix="kbswitch3:")
    now = [0.0]
    bot = ModelSwitches(redis, keys, catalog, clock=lambda: now[0])
    admin = ModelSwitches(redis, keys, catalog)
    entry = catalog.get("z-image")
    assert await bot.is_enabled(entry)
    await admin.set_enabled("z-image", False)
    now[0] += 1.0
    assert not await bot.is_enabled(entry)
