"""The duration book on a real Redis: median of the kept samples, the cap, and the cache."""

from __future__ import annotations

from redis.asyncio import Redis

from kiebot.jobs.durations import DurationBook
from kiebot.store import Keys

KEYS = Keys(prefix="kbtest:")
MODEL = "google/nano-banana"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_typical_duration_is_the_median(redis: Redis) -> None:
    book = DurationBook(redis, KEYS)
    for seconds in (10.0, 12.0, 11.0, 600.0, 9.0):  # one task stuck for 10 minutes
        await book.record(MODEL, seconds)
    assert await book.typical(MODEL, default=30.0) == 11.0


async def test_the_default_stands_until_there_are_enough_samples(redis: Redis) -> None:
    book = DurationBook(redis, KEYS)
    assert await book.typical(MODEL, default=30.0) == 30.0
    await book.record(MODEL, 10.0)
    await book.record(MODEL, 12.0)
    assert await book.typical(MODEL, default=30.0) == 30.0
    await book.record(MODEL, 14.0)
    assert await book.typical(MODEL, default=30.0) == 12.0


async def test_only_the_most_recent_durations_are_kept(redis: Redis) -> None:
    book = DurationBook(redis, KEYS, keep=5)
    for seconds in (100.0, 100.0, 100.0, 1.0, 2.0, 3.0, 4.0, 5.0):
        await book.record(MODEL, seconds)
    assert await redis.lrange(KEYS.durations(MODEL), 0, -1) == [
        "5.000",
        "4.000",
        "3.000",
        "2.000",
        "1.000",
    ]
    assert await book.typical(MODEL, default=30.0) == 3.0


async def test_typical_is_served_from_the_cache(redis: Redis) -> None:
    book = DurationBook(redis, KEYS)
    for seconds in (4.0, 5.0, 6.0):
        await book.record(MODEL, seconds)
    await redis.delete(KEYS.durations(MODEL))  # Redis changed behind the cache's back
    assert await book.typical(MODEL, default=30.0) == 5.0
    assert book.cached(MODEL) == 5.0
    assert book.cached("unknown/model") is None


async def test_a_record_refreshes_the_cache_from_redis(redis: Redis) -> None:
    """The write's reply carries the whole list: samples of other processes come along."""
    book = DurationBook(redis, KEYS)
    assert await book.typical(MODEL, default=30.0) == 30.0
    await redis.lpush(KEYS.durations(MODEL), "20", "20")  # another process's samples
    await book.record(MODEL, 21.0)
    assert await book.typical(MODEL, default=30.0) == 20.0


async def test_the_cache_expires(redis: Redis) -> None:
    clock = FakeClock()
    book = DurationBook(redis, KEYS, ttl_s=60.0, clock=clock)
    other = DurationBook(redis, KEYS)
    assert await book.typical(MODEL, default=30.0) == 30.0
    for seconds in (7.0, 8.0, 9.0):
        await other.record(MODEL, seconds)
    clock.now += 59.0
    assert await book.typical(MODEL, default=30.0) == 30.0
    clock.now += 2.0
    assert await book.typical(MODEL, default=30.0) == 8.0


async def test_nonsense_is_neither_recorded_nor_read(redis: Redis) -> None:
    book = DurationBook(redis, KEYS)
    for seconds in (0.0, -3.0, float("nan"), float("inf")):
        await book.record(MODEL, seconds)
    assert await redis.llen(KEYS.durations(MODEL)) == 0
    await redis.lpush(KEYS.durations(MODEL), "abc", "-1", "2", "3", "4")
    assert await book.typical(MODEL, default=30.0) == 3.0
