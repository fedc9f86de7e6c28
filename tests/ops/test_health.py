"""`/healthz`: 200 with every check while all is well; 503 naming Redis when it stops, and
the operators told in Telegram that it went and came back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.harness import Harness
from tests.ops.support import ADMIN_ID, admin_user, get_json
from tests.support.redis_server import RedisServer, find_redis_server

CHECKS = {"redis", "kie", "telegram", "disk", "event_loop"}


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own: the session's is shared and must stay up."""
    binary = find_redis_server()
    assert binary is not None
    (tmp_path / "redis").mkdir()
    server = RedisServer(binary, tmp_path / "redis")
    server.start()
    yield server
    server.stop()


async def test_healthy_process_answers_200_with_every_check(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    status, body = await get_json(harness, "/healthz")
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["checks"] == dict.fromkeys(CHECKS, "ok")


async def test_redis_stopping_turns_health_503_and_alerts_the_admins(
    telegram: TelegramSimulator, kie: KieSimulator, own_redis: RedisServer, tmp_path: Path
) -> None:
    harness = Harness(telegram, kie, own_redis.url, tmp_path)
    telegram.open_chat(admin_user())
    process = await harness.start(admin_ids=frozenset({ADMIN_ID}), redis_timeout_s=0.5)
    watcher = process.operations.watcher
    try:
        own_redis.stop()
        status, body = await get_json(harness, "/healthz")
        assert status == 503, body
        assert body["status"] == "fail"
        assert body["checks"]["redis"].startswith("fail")
        assert all(body["checks"][name] == "ok" for name in CHECKS - {"redis"}), body

        await watcher.check_redis()
        await watcher.check_redis()  # still down: said once
        lost = await telegram.wait_for(
            ADMIN_ID, lambda m: "Redis is not answering" in (m.text or "")
        )

        own_redis.start()
        await watcher.check_redis()
        back = await telegram.wait_for(ADMIN_ID, lambda m: "Redis answers again" in (m.text or ""))
        assert back.message_id > lost.message_id
        texts = [m.text or "" for m in telegram.chat(ADMIN_ID)]
        assert sum("Redis is not answering" in t for t in texts) == 1

        status, body = await get_json(harness, "/healthz")
        assert status == 200, body
    finally:
        await harness.stop()
