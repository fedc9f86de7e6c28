"""The errors page's records: only ERROR and above, redacted like the log lines, bounded,
kept in Redis across a restart, and logging never fails while Redis is down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger
from redis.asyncio import Redis

from kiebot.logs import Redactor
from kiebot.ops.recent_errors import MESSAGE_CHARS, RecentErrors
from kiebot.store import Keys, create_redis
from tests.support.redis_server import RedisServer, find_redis_server

SECRET = "kie-key-0123456789abcdef"
KEYS = Keys(prefix="t-errors:")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, to stop: the session's must stay up."""
    binary = find_redis_server()
    assert binary is not None
    (tmp_path / "redis").mkdir()
    server = RedisServer(binary, tmp_path / "redis")
    server.start()
    yield server
    server.stop()


async def test_errors_are_kept_newest_first_redacted_and_across_a_restart(redis: Redis) -> None:
    before = RecentErrors(Redactor([SECRET]), redis, KEYS)
    await before.start()
    logger.warning("only a warning")
    with logger.contextualize(job_id="job-7", model="z-image"):
        try:
            raise RuntimeError(f"KIE refused key {SECRET}")
        except RuntimeError:
            logger.exception("the runner failed on a job")
    logger.error("bot token 123456789:AAE_abcdefghijklmnopqrstuvwxyz0123456 leaked")
    newest, _ = await before.latest()  # at once, written or not
    assert newest.message == "bot token *** leaked"
    await before.aclose()

    after = RecentErrors(Redactor([]), redis, KEYS)  # the next process: nothing in memory
    newest, oldest = await after.latest()
    assert newest.message == "bot token *** leaked"
    assert oldest.message == "the runner failed on a job"
    assert oldest.context == {"job_id": "job-7", "model": "z-image"}
    assert oldest.exception is not None
    assert "RuntimeError: KIE refused key ***" in oldest.exception
    stored = await redis.lrange(KEYS.recent_errors, 0, -1)
    assert len(stored) == 2
    assert not any(SECRET in item or "AAE_abc" in item for item in stored)


async def test_the_list_is_bounded_in_length_and_size(redis: Redis) -> None:
    errors = RecentErrors(Redactor([]), redis, KEYS, capacity=3)
    await errors.start()
    for n in range(10):
        logger.error("error {}", n)
    logger.error("x" * (MESSAGE_CHARS * 5))
    await errors.aclose()

    assert await redis.llen(KEYS.recent_errors) == 3
    latest = await RecentErrors(Redactor([]), redis, KEYS, capacity=3).latest()
    assert [r.message for r in latest][1:] == ["error 9", "error 8"]
    assert len(latest[0].message) == MESSAGE_CHARS
    await errors.aclose()  # closing twice is harmless (the stack may run after remove())


async def test_logging_never_fails_while_redis_is_down_and_catches_up_after(
    own_redis: RedisServer,
) -> None:
    redis = create_redis(own_redis.url, pool_size=2, timeout_s=0.5)
    errors = RecentErrors(Redactor([]), redis, KEYS)
    try:
        await errors.start()
        own_redis.stop()
        logger.error("Redis went away")  # returns: the write happens elsewhere
        [shown] = await errors.latest()  # the page still shows this process's errors
        assert shown.message == "Redis went away"

        own_redis.start()
        logger.error("and came back")
        await errors.aclose()
        latest = await RecentErrors(Redactor([]), redis, KEYS).latest()
        assert [r.message for r in latest] == ["and came back", "Redis went away"]
    finally:
        await errors.aclose()
        await redis.aclose()
