"""The one Redis client: a burst beyond the pool waits for a connection, it does not fail."""

from __future__ import annotations

import asyncio

from kiebot.store import create_redis
from tests.support.redis_server import RedisServer


async def test_callers_beyond_the_pool_wait_their_turn_past_the_redis_timeout(
    redis_server: RedisServer,
) -> None:
    # Two connections, six callers each holding one for 0.15 s: the last ones wait about
    # 0.3 s for a connection, longer than the 0.2 s Redis timeout. Waiting is the pool's
    # queue, not a fault of Redis: every caller gets its answer.
    client = create_redis(redis_server.url, pool_size=2, timeout_s=0.2)
    try:
        answers = await asyncio.gather(
            *(client.blpop([f"test-connection:empty:{n}"], timeout=0.15) for n in range(6))
        )
    finally:
        await client.aclose()
    assert answers == [None] * 6
