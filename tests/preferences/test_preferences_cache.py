"""The preferences cache: a change is seen on the very next read, never an older value.

`Preferences.get` runs on every prompt and under every result, so it is cached; these
tests are what a user would notice if the cache went stale.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from kiebot.catalog import Kind
from kiebot.preferences import Preferences
from kiebot.store import Keys

KEYS = Keys(prefix="kbprefcache:")


async def _hgetalls(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_hgetall", {}).get("calls", 0))


async def test_a_choice_is_seen_on_the_next_prompt_and_reads_are_cached(redis: Redis) -> None:
    preferences = Preferences(redis, KEYS)
    await redis.config_resetstat()
    assert (await preferences.get(1)).models == {}
    assert (await preferences.get(1)).models == {}
    assert await _hgetalls(redis) == 1  # the second read came from the cache

    await preferences.set_model(1, Kind.TEXT_TO_IMAGE, "google/nano-banana")
    assert (await preferences.get(1)).models == {"text_to_image": "google/nano-banana"}
    await preferences.set_option(1, "google/nano-banana", "aspect_ratio", "16:9")
    assert (await preferences.get(1)).options == {"google/nano-banana": {"aspect_ratio": "16:9"}}
    await preferences.set_aspect_ratio(1, "1:1")
    await preferences.set_mode(1, Kind.UPSCALE)
    await preferences.set_language(1, "ru")
    prefs = await preferences.get(1)
    assert (prefs.aspect_ratio, prefs.mode, prefs.language) == ("1:1", Kind.UPSCALE, "ru")


async def test_forget_drops_the_cached_choices(redis: Redis) -> None:
    preferences = Preferences(redis, KEYS)
    await preferences.set_language(2, "ru")
    assert (await preferences.get(2)).language == "ru"  # cached now
    await preferences.forget(2)
    assert (await preferences.get(2)).language is None


async def test_a_read_overlapping_a_write_is_not_kept(redis: Redis) -> None:
    """A read answered before a write lands must not stay cached after it."""
    preferences = Preferences(redis, KEYS)
    reading = asyncio.create_task(preferences.get(3))
    await asyncio.sleep(0)  # the read is on its way
    await preferences.set_language(3, "ru")
    await reading
    assert (await preferences.get(3)).language == "ru"


async def test_another_writer_is_seen_within_cache_s(redis: Redis) -> None:
    now = [0.0]
    preferences = Preferences(redis, KEYS, cache_s=1.0, clock=lambda: now[0])
    assert (await preferences.get(4)).language is None
    await Preferences(redis, KEYS).set_language(4, "ru")  # another process
    now[0] += 0.5
    assert (await preferences.get(4)).language is None  # still fresh in the cache
    now[0] += 0.5
    assert (await preferences.get(4)).language == "ru"


async def test_the_cache_is_bounded(redis: Redis) -> None:
    preferences = Preferences(redis, KEYS, cache_size=2)
    await preferences.set_language(5, "ru")
    for user_id in (5, 6, 7):  # 5 is pushed out by 7
        await preferences.get(user_id)
    await redis.hset(KEYS.preferences(5), "lang", "en")  # behind the cache's back
    assert (await preferences.get(5)).language == "en"  # read again: it was not kept
