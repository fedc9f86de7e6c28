"""Referrals on a real Redis: who may be referred, and the bonus paid once, on the first
payment only."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from kiebot.rewards import PromoCodes, Referrals
from kiebot.store import Scripts
from tests.billing.support import KEYS, START, Clock, ledger_sum, ledger_types, money, stores

BONUS = 20
ALICE, BOB, CAROL = 101, 202, 303


def referrals(redis: Redis, *, bonus: int = BONUS, starting_credits: int = 10) -> Referrals:
    _, billing = stores(redis, Clock(), starting_credits=starting_credits)
    return Referrals(redis, KEYS, Scripts(redis), billing, bonus=bonus, clock=Clock())


async def link_of(service: Referrals, user_id: int) -> str:
    return (await service.invitation(user_id)).start_payload


async def test_a_user_keeps_one_code_and_codes_are_distinct(redis: Redis) -> None:
    service = referrals(redis)
    first = await asyncio.gather(*(service.invitation(ALICE) for _ in range(5)))
    assert len({i.code for i in first}) == 1
    assert (await service.invitation(BOB)).code != first[0].code
    assert first[0].start_payload == f"ref_{first[0].code}"
    assert (first[0].joined, first[0].paid, first[0].earned, first[0].bonus) == (0, 0, 0, BONUS)


async def test_a_new_user_following_a_link_is_referred_once(redis: Redis) -> None:
    service = referrals(redis)
    alice_link, carol_link = await link_of(service, ALICE), await link_of(service, CAROL)

    account = await service.open_account(BOB, alice_link)
    await service.open_account(BOB, alice_link)
    await service.open_account(BOB, carol_link)  # a second referrer is refused

    assert account.balance == 10
    assert await service.referrer_of(BOB) == ALICE
    assert (await service.invitation(ALICE)).joined == 1
    assert (await service.invitation(CAROL)).joined == 0


async def test_a_user_cannot_refer_himself(redis: Redis) -> None:
    service = referrals(redis)
    own = await link_of(service, ALICE)
    await service.open_account(ALICE, own)
    assert await service.referrer_of(ALICE) is None
    assert (await service.invitation(ALICE)).joined == 0


async def test_a_user_who_already_used_the_bot_cannot_be_referred(redis: Redis) -> None:
    service = referrals(redis)
    promos = PromoCodes(redis, KEYS, Scripts(redis), clock=Clock())
    await promos.create("HELLO", credits=5, uses=5, expires_at=START + 3600)
    await service.open_account(BOB, None)
    await promos.redeem(BOB, "HELLO")

    await service.open_account(BOB, await link_of(service, ALICE))

    assert await service.referrer_of(BOB) is None
    assert (await service.invitation(ALICE)).joined == 0


@pytest.mark.parametrize("payload", ["", "ref_", "ref_short", "ref_../../x1", "promo_ABCDEFGH"])
async def test_other_start_payloads_open_the_account_and_refer_nobody(
    redis: Redis, payload: str
) -> None:
    service = referrals(redis)
    await service.invitation(ALICE)
    account = await service.open_account(BOB, payload)
    assert account.balance == 10
    assert await service.referrer_of(BOB) is None


async def test_an_unknown_code_refers_nobody(redis: Redis) -> None:
    service = referrals(redis)
    await service.open_account(BOB, "ref_zzzzzzzz")
    assert await service.referrer_of(BOB) is None


async def test_the_bonus_is_paid_on_the_first_payment_only(redis: Redis) -> None:
    service = referrals(redis)
    await service.open_account(ALICE, None)
    await service.open_account(BOB, await link_of(service, ALICE))

    first = await service.reward(BOB)
    again = await asyncio.gather(*(service.reward(BOB) for _ in range(5)))

    assert first is not None
    assert (first.referrer_id, first.referred_id, first.bonus, first.balance) == (
        ALICE, BOB, BONUS, 10 + BONUS,
    )  # fmt: skip
    assert again == [None] * 5
    assert await money(redis, ALICE) == (10 + BONUS, 0)
    assert await ledger_types(redis, ALICE) == ["grant", "referral"]
    assert await ledger_sum(redis, ALICE) == 10 + BONUS
    assert await money(redis, BOB) == (10, 0), "the referred user gets nothing from it"
    invitation = await service.invitation(ALICE)
    assert (invitation.joined, invitation.paid, invitation.earned) == (1, 1, BONUS)


async def test_a_payment_of_a_user_nobody_referred_pays_no_bonus(redis: Redis) -> None:
    service = referrals(redis)
    await service.open_account(BOB, None)
    assert await service.reward(BOB) is None
    assert await ledger_types(redis, BOB) == ["grant"]


async def test_a_bonus_of_zero_pays_nothing(redis: Redis) -> None:
    service = referrals(redis, bonus=0)
    await service.open_account(BOB, await link_of(service, ALICE))
    assert await service.reward(BOB) is None
    assert await redis.xlen(KEYS.ledger(ALICE)) == 0


async def test_a_user_who_only_looked_around_before_is_not_new(redis: Redis) -> None:
    service = referrals(redis)
    await service.open_account(BOB, None)  # a plain /start earlier
    await service.open_account(BOB, await link_of(service, ALICE))
    assert await service.referrer_of(BOB) is None


async def test_deleting_data_forgets_the_code_and_keeps_the_accounting(redis: Redis) -> None:
    """The erasure hook: Alice's code (and her old links) no longer names her; the bonus
    she earned, who referred Bob and her counts stay."""
    service = referrals(redis)
    await service.open_account(ALICE, None)
    old_link = await link_of(service, ALICE)
    await service.open_account(BOB, old_link)
    assert await service.reward(BOB) is not None

    await service.forget(ALICE)
    await service.forget(ALICE)  # a second deletion finds nothing more

    assert old_link.removeprefix("ref_") not in await redis.hkeys(KEYS.referral_codes)
    assert await redis.hget(KEYS.user(ALICE), "ref_code") is None
    await service.open_account(CAROL, old_link)
    assert await service.referrer_of(CAROL) is None, "the old link names nobody now"
    assert await service.referrer_of(BOB) == ALICE
    assert await ledger_types(redis, ALICE) == ["grant", "referral"]
    assert await money(redis, ALICE) == (10 + BONUS, 0)
    invitation = await service.invitation(ALICE)
    assert invitation.start_payload != old_link, "a later /invite makes a new code"
    assert (invitation.joined, invitation.paid, invitation.earned) == (1, 1, BONUS)
