"""The one Redis client of the process, with a bounded pool, timeouts and retries.

The pool is a `BlockingConnectionPool`: under load a caller waits for a free connection
instead of opening an unbounded number of them (the default pool raises "Too many
connections" instead). That wait is the process's own queue, not a fault of Redis, so it
is bounded by `POOL_WAIT_S`, not by the Redis timeout: under a burst the bot answers
late rather than dropping updates with "No connection available" after 5 s (measured in
`scripts/bench chat` at 500 updates/s). A Redis that is down fails at connect, not here.

Commands are retried on connection errors and timeouts with jittered exponential
backoff, which rides over a Redis restart of a second or two; a longer outage surfaces
as `StoreUnavailable`.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kiebot.errors import KiebotError


class StoreUnavailable(KiebotError):
    """Redis did not answer; nothing was changed by the call that raised this."""

    user_message_key = "error.unavailable"


POOL_WAIT_S = 60.0


def create_redis(url: str, *, pool_size: int = 32, timeout_s: float = 5.0) -> Redis:
    """Build the client; it connects lazily, so this does no I/O."""
    retry = Retry(ExponentialWithJitterBackoff(cap=1.0, base=0.05), retries=5)
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=pool_size,
        timeout=max(timeout_s, POOL_WAIT_S),
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
        retry=retry,
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        decode_responses=True,
    )
    # from_pool: the client owns the pool, so `aclose()` closes its connections too.
    return Redis.from_pool(pool)


async def ensure_reachable(redis: Redis) -> None:
    """Ping once; raise `StoreUnavailable` with a short, secret-free reason."""
    try:
        await redis.ping()
    except RedisError as exc:
        raise StoreUnavailable(f"Redis is not reachable: {type(exc).__name__}") from exc
