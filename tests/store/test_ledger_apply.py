"""The ledger script on a real Redis: exactly once, never below zero, balance = sum."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from kiebot.store import Keys, Scripts

KEYS = Keys()


async def _apply(scripts: Scripts, user: int, op: str, amount: int) -> list[str]:
    keys = [KEYS.user(user), KEYS.ledger(user), KEYS.applied(user)]
    result = await scripts.ledger_apply(keys=keys, args=[op, amount, "grant", "test", "", 0])
    return [str(x) for x in result]


async def _ledger_sum(redis: Redis, user: int) -> int:
    entries = await redis.xrange(KEYS.ledger(user))
    return sum(int(fields["amount"]) for _, fields in entries)


async def test_an_operation_applies_once(redis: Redis) -> None:
    scripts = Scripts(redis)
    assert (await _apply(scripts, 7, "pay-1", 50))[:2] == ["applied", "50"]
    assert (await _apply(scripts, 7, "pay-1", 50))[:2] == ["duplicate", "50"]
    assert await redis.xlen(KEYS.ledger(7)) == 1


async def test_a_deduction_never_goes_below_zero(redis: Redis) -> None:
    scripts = Scripts(redis)
    await _apply(scripts, 8, "grant", 5)
    assert (await _apply(scripts, 8, "take", -6))[:2] == ["insufficient", "5"]
    assert (await _apply(scripts, 8, "take-ok", -5))[:2] == ["applied", "0"]
    assert await redis.hget(KEYS.user(8), "balance") == "0"


async def test_concurrent_retries_keep_balance_equal_to_the_ledger(redis: Redis) -> None:
    scripts = Scripts(redis)
    ops = [(f"op-{i % 40}", (i % 7) - 2) for i in range(400)]  # every op retried 10 times
    await asyncio.gather(*(_apply(scripts, 9, op, amount) for op, amount in ops))
    balance = int(await redis.hget(KEYS.user(9), "balance") or 0)
    assert balance >= 0
    assert balance == await _ledger_sum(redis, 9)
    assert await redis.hlen(KEYS.applied(9)) == await redis.xlen(KEYS.ledger(9))


async def test_scripts_survive_a_redis_restart(redis: Redis, redis_server: object) -> None:
    """After a restart the script cache is empty; EVALSHA must fall back transparently."""
    from tests.support.redis_server import RedisServer

    assert isinstance(redis_server, RedisServer)
    scripts = Scripts(redis)
    await _apply(scripts, 10, "a", 3)
    redis_server.restart()
    assert (await _apply(scripts, 10, "b", 4))[:2] == ["applied", "7"]
    assert await _ledger_sum(redis, 10) == 7
