"""The billing service on a real Redis: the starting grant, adjustments, the ledger."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from kiebot.billing import InsufficientBalance
from tests.billing.support import KEYS, START, Clock, ledger_sum, ledger_types, snapshot, stores


async def test_the_starting_grant_is_given_once_under_concurrency(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=25)
    accounts = await asyncio.gather(*(billing.ensure_account(1) for _ in range(30)))
    assert {(a.balance, a.held, a.banned, a.created_at) for a in accounts} == {
        (25, 0, False, START)
    }
    assert await ledger_types(redis, 1) == ["grant"]
    assert await redis.hget(KEYS.applied(1), "grant:start") is not None


async def test_an_existing_account_is_returned_without_a_write(redis: Redis) -> None:
    clock = Clock()
    _, billing = stores(redis, clock, starting_credits=25)
    await billing.ensure_account(1)
    before = await snapshot(redis)
    clock.advance(100)
    account = await billing.ensure_account(1)
    assert account.created_at == START
    assert await snapshot(redis) == before


async def test_a_user_credited_before_they_started_still_gets_the_grant(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=10)
    assert await billing.adjust(1, 5, reason="promo", actor="admin") == 5
    assert (await billing.ensure_account(1)).balance == 15
    assert (await billing.ensure_account(1)).balance == 15
    assert await ledger_types(redis, 1) == ["adjustment", "grant"]


async def test_no_starting_credit_opens_the_account_without_an_entry(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=0)
    account = await billing.ensure_account(1)
    assert (account.balance, account.held) == (0, 0)
    assert await redis.xlen(KEYS.ledger(1)) == 0
    assert await billing.account(1) == account


async def test_adjustments_apply_per_click_and_once_per_op_key(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=10)
    await billing.ensure_account(1)
    assert await billing.adjust(1, 3, reason="bonus", actor="admin") == 13
    assert await billing.adjust(1, 3, reason="bonus", actor="admin") == 16
    retried = await asyncio.gather(
        *(billing.adjust(1, -6, reason="fix", actor="ops", op_key="form-1") for _ in range(5))
    )
    assert set(retried) == {10}
    assert await ledger_types(redis, 1) == ["grant", "adjustment", "adjustment", "adjustment"]
    assert await ledger_sum(redis, 1) == 10
    newest = (await billing.ledger(1, limit=1))[0]
    assert (newest.type, newest.amount, newest.balance_after) == ("adjustment", -6, 10)
    assert (newest.ref, newest.reason) == ("ops", "fix")


async def test_a_deduction_never_takes_the_balance_below_zero(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=4)
    await billing.ensure_account(1)
    before = await snapshot(redis)
    with pytest.raises(InsufficientBalance) as refused:
        await billing.adjust(1, -5, reason="abuse", actor="admin")
    assert (refused.value.balance, refused.value.amount) == (4, -5)
    assert await snapshot(redis) == before
    assert await billing.adjust(1, -4, reason="abuse", actor="admin") == 0


async def test_an_adjustment_needs_a_reason_and_an_amount(redis: Redis) -> None:
    _, billing = stores(redis, Clock())
    with pytest.raises(ValueError, match="reason"):
        await billing.adjust(1, 5, reason="  ", actor="admin")
    with pytest.raises(ValueError, match="0"):
        await billing.adjust(1, 0, reason="x", actor="admin")
    assert await snapshot(redis) == {}


async def test_an_adjustment_opens_a_missing_account(redis: Redis) -> None:
    _, billing = stores(redis, Clock())
    assert await billing.account(1) is None
    await billing.adjust(1, 7, reason="gift", actor="admin")
    account = await billing.account(1)
    assert account is not None
    assert (account.balance, account.held, account.created_at) == (7, 0, START)


async def test_the_ledger_reads_newest_first_with_times(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=10)
    await billing.ensure_account(1)
    for amount in (1, 2, 3):
        await billing.adjust(1, amount, reason=f"r{amount}", actor="admin")
    entries = await billing.ledger(1)
    assert [e.amount for e in entries] == [3, 2, 1, 10]
    assert [e.balance_after for e in entries] == [16, 13, 11, 10]
    assert entries[-1].type == "grant"
    assert all(e.time > 0 for e in entries)
    assert [e.amount for e in await billing.ledger(1, limit=2)] == [3, 2]
    assert await billing.ledger(2) == []


async def test_a_ban_is_a_flag_on_the_account(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=10)
    await billing.set_banned(1, True)
    account = await billing.account(1)
    assert account is not None
    assert account.banned
    assert (await billing.ensure_account(1)).balance == 10  # still the same Telegram user
    await billing.set_banned(1, False)
    assert not (await billing.ensure_account(1)).banned


async def test_the_admin_view_of_an_account(redis: Redis) -> None:
    _, billing = stores(redis, Clock(), starting_credits=10)
    account = await billing.ensure_account(5)
    assert account.as_dict() == {
        "user_id": 5,
        "balance": 10,
        "held": 0,
        "banned": False,
        "created_at": START,
    }
