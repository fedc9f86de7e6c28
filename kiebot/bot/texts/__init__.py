"""User-facing texts in English and Russian, looked up by key: the one catalogue.

Each part of the bot keeps its texts in its own module (`core`, `payments`, `rewards`,
`surface`, `admin`, `account`), a table of key -> {"en": ..., "ru": ...}; they are
merged here once, and a key defined twice is an error at import, not a silent override.
Placeholders are `str.format` fields filled by `text(key, language, **values)`; a
number's field may name the word it counts, `{n:credit|credits}` (see `plurals`).
"""

from __future__ import annotations

from typing import Any

from kiebot.account.language import language_from_telegram
from kiebot.bot.texts import account, admin, core, payments, rewards, surface
from kiebot.bot.texts.plurals import Quantity

LANGUAGES = ("en", "ru")


def _merge(*tables: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for table in tables:
        for key, variants in table.items():
            if key in merged:
                raise ValueError(f"text key {key!r} is defined twice")
            merged[key] = variants
    return merged


TEXTS = _merge(core.TEXTS, payments.TEXTS, rewards.TEXTS, surface.TEXTS, admin.TEXTS, account.TEXTS)


def language_of(language_code: str | None) -> str:
    """The language for Telegram's `language_code` alone; a user's choice in /settings
    is `account.Languages.for_user`, which the user middleware puts in `language`."""
    return language_from_telegram(language_code)


def text(key: str, language: str, **values: Any) -> str:
    """The text for `key` in `language`; an unknown key falls back to the generic error."""
    variants = TEXTS.get(key) or TEXTS["error.internal"]
    counted = {
        name: Quantity(value, language) if type(value) is int else value
        for name, value in values.items()
    }  # ints format plurals: `{n:credit|credits}` (texts.plurals)
    return variants.get(language, variants["en"]).format_map(_Lenient(counted))


class _Lenient(dict[str, Any]):
    """Leaves a placeholder as it is when no value was given, instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
