"""The one Redis client: a burst beyond the pool waits for a connection, it does not fail."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import TimeoutError as RedisTimeoutError

from kiebot.store import Keys, Scripts, create_redis
from tests.support.redis_server import RedisServer, find_redis_server


async def test_callers_beyond_the_pool_wait_their_turn_past_the_redis_timeout(
    redis_server: RedisServer,
) -> None:
    # One connection, six callers each holding it for 0.1 s: the last one waits at least
    # 0.5 s for it, longer than the 0.3 s Redis timeout. Waiting is the pool's queue, not
    # a fault of Redis: every caller gets its answer. (Redis ends a blocked pop on its
    # 10 Hz clock, so each pop's reply may come up to 0.1 s late: the timeout leaves room.)
    client = create_redis(redis_server.url, pool_size=1, timeout_s=0.3)
    try:
        answers = await asyncio.gather(
            *(client.blpop([f"test-connection:empty:{n}"], timeout=0.1) for n in range(6))
        )
    finally:
        await client.aclose()
    assert answers == [None] * 6


async def test_a_script_runs_again_after_redis_lost_its_script_cache(redis: Redis) -> None:
    """A restarted Redis has no scripts; the call loads its script again, unseen."""
    scripts = Scripts(redis)
    keys = Keys(prefix="test-connection:")
    await scripts.account_open(
        keys=[keys.user(1), keys.ledger(1), keys.applied(1), keys.new_users("d"), keys.users],
        args=["1.0", "5", "60", "1", "0"],
    )
    await redis.script_flush()
    flat, _ = await scripts.account_open(
        keys=[keys.user(1), keys.ledger(1), keys.applied(1), keys.new_users("d"), keys.users],
        args=["2.0", "5", "60", "1", "0"],
    )
    assert dict(zip(flat[::2], flat[1::2], strict=True))["balance"] == "5"  # granted once


async def test_a_write_to_a_redis_that_stopped_reading_times_out_then_the_client_recovers(
    tmp_path: Path,
) -> None:
    """A hung Redis (here stopped) fails a call after the timeout and retries, instead of
    hanging the bot; once it reads again, the same client works. The value is larger
    than the kernel's socket buffers, so the write itself is what waits."""
    binary = find_redis_server()
    assert binary is not None
    server = RedisServer(binary, tmp_path)
    server.start()
    client = create_redis(server.url, timeout_s=0.3)
    loop = asyncio.get_running_loop()
    try:
        assert await client.ping()
        server.pause()
        started = loop.time()
        try:
            with pytest.raises(RedisTimeoutError):
                await client.set("test-connection:big", "x" * (64 * 1024 * 1024))
            assert loop.time() - started < 20
        finally:
            server.resume()
        assert await client.set("test-connection:small", "1")
        assert await client.get("test-connection:small") == "1"
    finally:
        await client.aclose()
        server.stop()
