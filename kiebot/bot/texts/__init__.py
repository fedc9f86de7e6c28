"""User-facing texts in English and Russian, looked up by key: the one catalogue.

Each part of the bot keeps its texts in its own module (`core`, `payments`, `rewards`,
`surface`, `admin`), a table of key -> {"en": ..., "ru": ...}; they are merged here once,
and a key defined twice is an error at import, not a silent override. Placeholders are
`str.format` fields filled by `text(key, language, **values)`.
"""

from __future__ import annotations

from typing import Any

from kiebot.bot.texts import admin, core, payments, rewards, surface

LANGUAGES = ("en", "ru")


def _merge(*tables: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for table in tables:
        for key, variants in table.items():
            if key in merged:
                raise ValueError(f"text key {key!r} is defined twice")
            merged[key] = variants
    return merged


TEXTS = _merge(core.TEXTS, payments.TEXTS, rewards.TEXTS, surface.TEXTS, admin.TEXTS)


def language_of(language_code: str | None) -> str:
    return "ru" if (language_code or "").lower().startswith(("ru", "uk", "be")) else "en"


def text(key: str, language: str, **values: Any) -> str:
    """The text for `key` in `language`; an unknown key falls back to the generic error."""
    variants = TEXTS.get(key) or TEXTS["error.internal"]
    return variants.get(language, variants["en"]).format_map(_Lenient(values))


class _Lenient(dict[str, Any]):
    """Leaves a placeholder as it is when no value was given, instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
