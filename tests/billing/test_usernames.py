"""Usernames on accounts, for the admin search: case-insensitive, following renames."""

from __future__ import annotations

from redis.asyncio import Redis

from kiebot.billing.usernames import Usernames
from kiebot.store import Keys

KEYS = Keys(prefix="test-usernames:")


async def test_a_user_is_found_by_any_case_with_or_without_the_at(redis: Redis) -> None:
    names = Usernames(redis, KEYS)
    await names.remember(7, "Anna_K")
    assert await names.find("@anna_k") == 7
    assert await names.find("ANNA_K") == 7
    assert await names.of(7) == "Anna_K"
    assert await names.find("@") is None


async def test_a_rename_drops_the_old_name_and_a_taken_name_points_at_its_new_owner(
    redis: Redis,
) -> None:
    names = Usernames(redis, KEYS)
    await names.remember(7, "anna")
    await names.remember(7, "anna_new")
    assert await names.find("anna") is None
    assert await names.find("anna_new") == 7
    await names.remember(8, "Anna_New")  # 7 gave the name up, 8 took it
    assert await names.find("anna_new") == 8
    await names.remember(8, None)  # 8 removed their username
    assert (await names.find("anna_new"), await names.of(8)) == (None, None)


async def test_only_a_change_is_written(redis: Redis) -> None:
    names = Usernames(redis, KEYS)
    await names.remember(9, "kate")
    await redis.hdel(KEYS.user(9), "username")  # a write now would put it back
    await names.remember(9, "kate")
    assert await names.of(9) is None
