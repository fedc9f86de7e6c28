"""What each update says about its sender (`account.Senders`): the language to answer
in, kept on the account, and the username, found by the admin search in any case."""

from __future__ import annotations

from redis.asyncio import Redis

from kiebot.account import Languages, Senders
from kiebot.billing import Billing
from kiebot.billing.usernames import Usernames
from kiebot.preferences import Preferences
from kiebot.store import Keys, Scripts

KEYS = Keys(prefix="test-senders:")


class Parts:
    def __init__(self, redis: Redis) -> None:
        scripts = Scripts(redis)
        self.billing = Billing(redis, KEYS, scripts, starting_credits=0)
        self.preferences = Preferences(redis, KEYS)
        self.languages = Languages(self.preferences, self.billing)
        self.usernames = Usernames(redis, KEYS)
        self.senders = Senders(KEYS, scripts, self.languages, self.usernames)

    async def seen(self, user_id: int, code: str | None, name: str | None) -> str:
        return await self.senders.seen(user_id, code, name)


async def test_a_user_is_found_by_any_case_with_or_without_the_at(redis: Redis) -> None:
    parts = Parts(redis)
    await parts.seen(7, "en", "Anna_K")
    assert await parts.usernames.find("@anna_k") == 7
    assert await parts.usernames.find("ANNA_K") == 7
    assert await parts.usernames.of(7) == "Anna_K"
    assert await parts.usernames.find("@") is None


async def test_a_rename_drops_the_old_name_and_a_taken_name_points_at_its_new_owner(
    redis: Redis,
) -> None:
    parts = Parts(redis)
    await parts.seen(7, "en", "anna")
    await parts.seen(7, "en", "anna_new")
    assert await parts.usernames.find("anna") is None
    assert await parts.usernames.find("anna_new") == 7
    await parts.seen(8, "en", "Anna_New")  # 7 gave the name up, 8 took it
    assert await parts.usernames.find("anna_new") == 8
    await parts.seen(7, "en", "anna_third")  # 7 renames again: 8 keeps "anna_new"
    assert await parts.usernames.find("anna_new") == 8
    await parts.seen(8, "en", None)  # 8 removed their username
    assert (await parts.usernames.find("anna_new"), await parts.usernames.of(8)) == (None, None)


async def test_only_a_change_is_written(redis: Redis) -> None:
    parts = Parts(redis)
    await parts.seen(9, "en", "kate")
    await redis.hdel(KEYS.user(9), "username")  # a write now would put it back
    await parts.seen(9, "en", "kate")
    assert await parts.usernames.of(9) is None


async def test_telegrams_language_is_spoken_and_kept_on_the_account(redis: Redis) -> None:
    parts = Parts(redis)
    assert await parts.seen(10, "ru-RU", None) == "ru"
    assert await parts.seen(11, None, None) == "en"
    assert await redis.hget(KEYS.user(10), "lang") == "ru"
    assert await parts.seen(10, "en", None) == "en"  # the user switched their app
    assert await redis.hget(KEYS.user(10), "lang") == "en"


async def test_a_choice_in_settings_wins_over_telegram_in_this_and_a_new_process(
    redis: Redis,
) -> None:
    parts = Parts(redis)
    await parts.seen(12, "en", "max")
    await parts.languages.choose(12, "ru")
    assert await parts.seen(12, "en", "max") == "ru"
    restarted = Parts(redis)
    assert await restarted.seen(12, "en-GB", "max") == "ru"
    assert await redis.hget(KEYS.user(12), "lang") == "ru"


async def test_after_forgetting_the_user_telegrams_language_and_name_are_kept_again(
    redis: Redis,
) -> None:
    parts = Parts(redis)
    await parts.languages.choose(13, "ru")
    await parts.seen(13, "en", "olga")
    await parts.preferences.forget(13)
    await parts.languages.forget(13)
    await parts.usernames.forget(13)
    assert await redis.hget(KEYS.user(13), "username") is None
    assert await parts.seen(13, "en", "olga") == "en"
    assert (await redis.hget(KEYS.user(13), "lang"), await parts.usernames.find("olga")) == (
        "en",
        13,
    )
