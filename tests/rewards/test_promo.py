"""Promo codes on a real Redis: redeemed once per user, the last use to one user only,
and every refusal (wrong, used up, expired, twice, garbage) changing nothing."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.rewards import (
    PromoAlreadyRedeemed,
    PromoCodes,
    PromoExists,
    PromoExpired,
    PromoMalformed,
    PromoMissing,
    PromoUnknown,
    PromoUsedUp,
)
from kiebot.store import Scripts
from tests.billing.support import KEYS, START, Clock, ledger_sum, money, snapshot

DAY = 86_400.0


def promo_codes(redis: Redis, clock: Clock) -> PromoCodes:
    return PromoCodes(redis, KEYS, Scripts(redis), clock=clock)


async def test_a_code_gives_its_credits_once_as_a_promo_entry(redis: Redis) -> None:
    promos = promo_codes(redis, Clock())
    await promos.create("Spring25", credits=25, uses=100, expires_at=START + DAY)

    redeemed = await promos.redeem(1, "  spring25 ")

    assert (redeemed.code, redeemed.credits, redeemed.balance) == ("SPRING25", 25, 25)
    assert await money(redis, 1) == (25, 0)
    (entry,) = await Billing(redis, KEYS, Scripts(redis), starting_credits=0).ledger(1)
    assert (entry.type, entry.amount, entry.ref) == ("promo", 25, "SPRING25")
    promo = await promos.get("spring25")
    assert promo is not None
    assert (promo.uses, promo.uses_left) == (100, 99)


async def test_redeeming_twice_is_refused_and_changes_nothing(redis: Redis) -> None:
    promos = promo_codes(redis, Clock())
    await promos.create("ONCE", credits=5, uses=10, expires_at=START + DAY)
    await promos.redeem(1, "once")
    before = await snapshot(redis)

    with pytest.raises(PromoAlreadyRedeemed):
        await promos.redeem(1, "ONCE")

    assert await snapshot(redis) == before


async def test_one_user_tapping_many_times_at_once_gets_it_once(redis: Redis) -> None:
    promos = promo_codes(redis, Clock())
    await promos.create("TAP", credits=5, uses=10, expires_at=START + DAY)

    results = await asyncio.gather(
        *(promos.redeem(1, "tap") for _ in range(10)), return_exceptions=True
    )

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, PromoAlreadyRedeemed) for r in results if isinstance(r, Exception))
    assert await money(redis, 1) == (5, 0)
    promo = await promos.get("TAP")
    assert promo is not None
    assert promo.uses_left == 9


async def test_users_racing_for_the_last_use_only_one_gets_it(redis: Redis) -> None:
    promos = promo_codes(redis, Clock())
    await promos.create("LAST", credits=7, uses=1, expires_at=START + DAY)

    users = range(1, 21)
    results = await asyncio.gather(
        *(promos.redeem(u, "LAST") for u in users), return_exceptions=True
    )

    winners = [u for u, r in zip(users, results, strict=True) if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, PromoUsedUp) for r in results if isinstance(r, Exception))
    balances = [(await money(redis, u))[0] for u in users]
    assert sorted(balances) == [0] * 19 + [7]
    for user in users:
        assert await ledger_sum(redis, user) == (await money(redis, user))[0]
    promo = await promos.get("LAST")
    assert promo is not None
    assert promo.uses_left == 0


async def test_wrong_used_up_and_expired_codes_are_refused_and_change_nothing(
    redis: Redis,
) -> None:
    clock = Clock()
    promos = promo_codes(redis, clock)
    await promos.create("ONEUSE", credits=5, uses=1, expires_at=START + DAY)
    await promos.create("SHORT", credits=5, uses=5, expires_at=START + 60)
    await promos.redeem(1, "oneuse")
    clock.advance(60)
    before = await snapshot(redis)

    with pytest.raises(PromoUnknown):
        await promos.redeem(2, "NOSUCHCODE")
    with pytest.raises(PromoUsedUp):
        await promos.redeem(2, "ONEUSE")
    with pytest.raises(PromoExpired):
        await promos.redeem(2, "short")

    assert await snapshot(redis) == before


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (None, PromoMissing),
        ("   ", PromoMissing),
        ("ab", PromoMalformed),
        ("x" * 33, PromoMalformed),
        ("GIFT!", PromoMalformed),
        ("two words", PromoMalformed),
        ("promo:GIFT", PromoMalformed),
        ("ПРОМО", PromoMalformed),
    ],
)
async def test_garbage_is_refused_before_redis(
    redis: Redis, raw: str | None, error: type[Exception]
) -> None:
    promos = promo_codes(redis, Clock())
    with pytest.raises(error):
        await promos.redeem(1, raw)
    assert await redis.keys("*") == []


async def test_an_existing_code_keeps_its_terms(redis: Redis) -> None:
    promos = promo_codes(redis, Clock())
    await promos.create("KEEP", credits=5, uses=2, expires_at=START + DAY)
    with pytest.raises(PromoExists):
        await promos.create("keep", credits=500, uses=1000, expires_at=START + 2 * DAY)
    promo = await promos.get("KEEP")
    assert promo is not None
    assert (promo.credits, promo.uses) == (5, 2)
    assert [p.code for p in await promos.all()] == ["KEEP"]


async def test_bad_terms_are_refused(redis: Redis) -> None:
    promos = promo_codes(redis, Clock())
    for credits, uses, expires_at in [(0, 1, START + DAY), (1, 0, START + DAY), (1, 1, START)]:
        with pytest.raises(ValueError, match="must be"):
            await promos.create("BAD", credits=credits, uses=uses, expires_at=expires_at)
    assert await redis.keys("*") == []
