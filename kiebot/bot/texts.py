"""User-facing texts in English and Russian, looked up by key.

A plain table for now; the product-surface issue moves it to a gettext catalogue.
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "start.greeting": {
        "en": "Hi, {name}! I turn your words into images and videos.\n"
        "Send me a prompt to begin, or /help to see what I can do.",
        "ru": "Привет, {name}! Я превращаю слова в картинки и видео.\n"
        "Отправьте описание, чтобы начать, или /help, чтобы узнать больше.",
    },
    "help": {
        "en": "Send a text prompt and I will generate an image for it.",
        "ru": "Отправьте текстовое описание, и я сгенерирую по нему картинку.",
    },
    "error.internal": {
        "en": "Something went wrong on our side. Please try again in a minute.",
        "ru": "У нас что-то пошло не так. Попробуйте через минуту.",
    },
}


def language_of(language_code: str | None) -> str:
    return "ru" if (language_code or "").lower().startswith(("ru", "uk", "be")) else "en"


def text(key: str, language: str, **values: Any) -> str:
    variants = TEXTS[key]
    return variants.get(language, variants["en"]).format(**values)
