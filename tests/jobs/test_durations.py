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
    await book.flush()  # the samples since the first record are written in the next batch
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
    await other.flush()
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


async def test_samples_count_at_once_and_reach_redis_in_one_batch(redis: Redis) -> None:
    """A finished job costs no round trip of its own: its duration joins this process's
    median at once and is written with the others at most `flush_s` later."""
    clock = FakeClock()
    book = DurationBook(redis, KEYS, flush_s=5.0, clock=clock)
    assert await book.typical(MODEL, default=30.0) == 30.0
    await book.record(MODEL, 10.0)  # the first is written at once
    await book.record(MODEL, 12.0)
    await book.record("z-image", 3.0)
    await book.record(MODEL, 14.0)
    assert await book.typical(MODEL, default=30.0) == 12.0
    assert book.cached(MODEL) == 12.0
    assert await redis.lrange(KEYS.durations(MODEL), 0, -1) == ["10.000"]

    await redis.config_resetstat()
    clock.now += 5.0
    await book.record(MODEL, 16.0)  # due: everything waiting goes in one transaction

    stats = await redis.info("commandstats")
    assert stats["cmdstat_exec"]["calls"] == 1
    assert "cmdstat_lrange" in stats  # the reply refreshes the cache
    assert await redis.lrange(KEYS.durations(MODEL), 0, -1) == [
        "16.000",
        "14.000",
        "12.000",
        "10.000",
    ]
    assert await redis.lrange(KEYS.durations("z-image"), 0, -1) == ["3.000"]
    assert await book.typical(MODEL, default=30.0) == 13.0


async def test_unwritten_samples_survive_a_refresh_from_redis(redis: Redis) -> None:
    clock = FakeClock()
    book = DurationBook(redis, KEYS, ttl_s=60.0, clock=clock)
    for seconds in (4.0, 5.0, 6.0):
        await book.record(MODEL, seconds)  # 4 written, 5 and 6 waiting
    clock.now += 61.0  # the cache expires; 5 and 6 wait for the next record's flush
    await redis.lpush(KEYS.durations(MODEL), "100", "100")  # another process's samples
    assert await book.typical(MODEL, default=30.0) == 6.0  # 6, 5 waiting; 100, 100, 4 read
