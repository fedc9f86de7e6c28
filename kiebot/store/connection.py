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

import asyncio
from collections.abc import Iterable
from urllib.parse import urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.connection import Connection
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


class _Connection(Connection):
    """A connection whose writes are bounded without a task each.

    redis-py bounds every write with `asyncio.wait_for`, which on Python 3.11 runs the
    write as a new Task and takes extra turns of the loop: about 10 of the 45 us of CPU a
    loopback command cost (measured with redis-py 8.1), on every command the bot sends.
    A write the kernel took at once has nothing to wait for; only one left in the
    transport's buffer (a Redis that stopped reading) is waited on, bounded by the
    socket timeout as before. Failures are redis-py's errors, the connection dropped,
    as its own `send_packed_command` does.
    """

    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()  # type: ignore[no-untyped-call]
        if isinstance(command, str):
            command = command.encode()
        if isinstance(command, bytes):
            command = [command]
        writer = self._writer
        if writer is None:  # not after a connect; keeps the type checker's None out
            raise RedisConnectionError("Connection closed by the client.")
        try:
            writer.writelines(command)
            if writer.transport.get_write_buffer_size():
                async with asyncio.timeout(self.socket_timeout):
                    await writer.drain()
            else:
                await writer.drain()  # returns at once; raises if the connection is lost
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as exc:
            await self.disconnect(nowait=True)
            raise RedisConnectionError(f"Error while writing to socket: {exc}") from exc
        except BaseException:
            # A cancelled write may have sent part of a command: the connection is unusable.
            await self.disconnect(nowait=True)
            raise


def create_redis(url: str, *, pool_size: int = 32, timeout_s: float = 5.0) -> Redis:
    """Build the client; it connects lazily, so this does no I/O."""
    retry = Retry(ExponentialWithJitterBackoff(cap=1.0, base=0.05), retries=5)
    # TCP only: a unix:// or rediss:// URL keeps the connection class its scheme picks.
    tcp = {"connection_class": _Connection} if urlsplit(url).scheme == "redis" else {}
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
        **tcp,
    )
    # from_pool: the client owns the pool, so `aclose()` closes its connections too.
    return Redis.from_pool(pool)


async def ensure_reachable(redis: Redis) -> None:
    """Ping once; raise `StoreUnavailable` with a short, secret-free reason."""
    try:
        await redis.ping()
    except RedisError as exc:
        raise StoreUnavailable(f"Redis is not reachable: {type(exc).__name__}") from exc
