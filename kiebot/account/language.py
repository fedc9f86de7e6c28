"""The language a user is spoken to in: their choice in /settings, else Telegram's.

Telegram sends the user's interface language (`language_code`) with every update; a
user who picked a language in /settings keeps it whatever their Telegram app says. The
choice lives in the user's preferences (`Preferences.set_language`); the language in
use is also kept on the account (`Billing.remember_language`) for the messages sent
outside an update, a job's status after a restart among them. Both writes go through
`choose`, so the two never disagree.

The user middleware resolves the language on every update (`account.Senders`, with the
username in the same round trip), so the choice is cached: a bounded map of user id ->
chosen language or None (no choice), filled on first sight and updated by `choose` and
`forget`. Every write goes through this one object of the process, which keeps the
cache true.
"""

from __future__ import annotations

from kiebot.billing import Billing
from kiebot.preferences import Preferences

LANGUAGES = ("en", "ru")
CACHE_SIZE = 10_000
_FROM_TELEGRAM_RU = ("ru", "uk", "be")  # Russian-reading interfaces get Russian


def language_from_telegram(language_code: str | None) -> str:
    """The bot's language for a Telegram `language_code` (IETF tag, may be missing)."""
    return "ru" if (language_code or "").lower().startswith(_FROM_TELEGRAM_RU) else "en"


class Languages:
    def __init__(
        self, preferences: Preferences, billing: Billing, *, cache_size: int = CACHE_SIZE
    ) -> None:
        self._preferences = preferences
        self._billing = billing
        self._cache_size = cache_size
        self._chosen: dict[int, str | None] = {}

    async def for_user(self, user_id: int, language_code: str | None) -> str:
        """The user's language now, remembered on the account when it changed."""
        chosen = await self._choice(user_id)
        language = chosen or language_from_telegram(language_code)
        await self._billing.remember_language(user_id, language)
        return language

    def known(self, user_id: int, language_code: str | None) -> str | None:
        """The user's language when this process knows it and the account already holds
        it (nothing to read or write), else None: `account.Senders` then asks Redis."""
        if user_id not in self._chosen:
            return None
        language = self._chosen[user_id] or language_from_telegram(language_code)
        return language if self._billing.remembered_language(user_id) == language else None

    def learned(self, user_id: int, chosen: str | None, language: str) -> None:
        """What `user_seen.lua` found and wrote: the choice (None: none) and the language
        now kept on the account."""
        self._cache(user_id, chosen if chosen in LANGUAGES else None)
        self._billing.note_language(user_id, language)

    async def choose(self, user_id: int, language: str) -> None:
        """Keep the user's choice; it overrides Telegram's language from now on."""
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        await self._preferences.set_language(user_id, language)
        await self._billing.remember_language(user_id, language)
        self._cache(user_id, language)

    async def forget(self, user_id: int) -> None:
        """Drop the choice and the language kept on the account (data deletion); the
        next update speaks Telegram's language again and remembers that one."""
        await self._billing.forget_language(user_id)
        self._cache(user_id, None)

    async def _choice(self, user_id: int) -> str | None:
        if user_id in self._chosen:
            return self._chosen[user_id]
        chosen = (await self._preferences.get(user_id)).language
        valid = chosen if chosen in LANGUAGES else None
        self._cache(user_id, valid)
        return valid

    def _cache(self, user_id: int, language: str | None) -> None:
        self._chosen.pop(user_id, None)
        if len(self._chosen) >= self._cache_size:  # bounded: the oldest entry goes
            self._chosen.pop(next(iter(self._chosen)))
        self._chosen[user_id] = language
