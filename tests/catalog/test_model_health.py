"""A model failing at KIE is out of service for a window; its fallback is offered."""

from __future__ import annotations

from redis.asyncio import Redis

from kiebot.catalog import ModelHealth, ModelSwitches, Unavailable, load_catalog
from kiebot.store import Keys


async def test_failures_in_the_window_take_a_model_out_and_age_away(redis: Redis) -> None:
    catalog = load_catalog(None)
    keys = Keys(prefix="kbhealth:")
    now = [1000.0]
    switches = ModelSwitches(redis, keys, catalog, clock=lambda: now[0])
    health = ModelHealth(
        redis, keys, catalog, switches, threshold=3, window_s=60, clock=lambda: now[0]
    )
    nano = catalog.get("google/nano-banana")
    for _ in range(2):
        await health.record_failure(nano.id)
    assert await health.unavailable(nano) is None
    await health.record_failure(nano.id)
    assert await health.unavailable(nano) is Unavailable.FAILING
    assert (await health.usable_fallback(nano)).id == "z-image"  # type: ignore[union-attr]

    now[0] += 61
    assert await health.unavailable(nano) is None


async def test_a_switched_off_fallback_is_skipped_along_the_chain(redis: Redis) -> None:
    catalog = load_catalog(None)
    keys = Keys(prefix="kbhealth2:")
    switches = ModelSwitches(redis, keys, catalog)
    health = ModelHealth(redis, keys, catalog, switches)
    await switches.set_enabled("bytedance/seedream-v4-edit", False)
    newest = catalog.get("seedream/4.5-edit")
    assert (
        await health.unavailable(catalog.get("bytedance/seedream-v4-edit")) is Unavailable.DISABLED
    )
    fallback = await health.usable_fallback(newest)
    assert fallback is not None
    assert fallback.id == "google/nano-banana-edit"
    await switches.set_enabled("google/nano-banana-edit", False)
    assert await health.usable_fallback(newest) is None


async def test_failures_are_counted_once_a_second_and_own_failures_at_once(
    redis: Redis,
) -> None:
    """The count is cached for about a second: another process's failures take a model
    out within it, this object's own at once."""
    catalog = load_catalog(None)
    keys = Keys(prefix="kbhealth3:")
    now = [1000.0]
    switches = ModelSwitches(redis, keys, catalog, clock=lambda: now[0])
    health = ModelHealth(
        redis, keys, catalog, switches, threshold=2, window_s=60, clock=lambda: now[0]
    )
    other = ModelHealth(
        redis, keys, catalog, switches, threshold=2, window_s=60, clock=lambda: now[0]
    )
    nano, edit = catalog.get("google/nano-banana"), catalog.get("google/nano-banana-edit")
    assert await health.unavailable(nano) is None
    await health.record_failure(nano.id)
    await health.record_failure(nano.id)
    assert await health.unavailable(nano) is Unavailable.FAILING  # its own: at once

    await health.record_failure(edit.id)
    assert await health.unavailable(edit) is None  # one failure, counted now
    await other.record_failure(edit.id)  # another process: now at the threshold
    assert await health.unavailable(edit) is None  # counted less than a second ago
    now[0] += 1.0
    assert await health.unavailable(edit) is Unavailable.FAILING
