"""Small pieces every account screen shows: a model's name, where a button was pressed."""

from __future__ import annotations

from html import escape

from aiogram.types import CallbackQuery

from kiebot.catalog import Catalog, UnknownModel


def model_name(catalog: Catalog, model_id: str, language: str) -> str:
    """The model's name in the user's language, HTML-escaped; its id once it left the
    catalog (an old job's model)."""
    try:
        return escape(catalog.get(model_id).display_name(language))
    except UnknownModel:
        return escape(model_id)


def origin(query: CallbackQuery) -> tuple[int, int | None]:
    """The chat and message of the pressed button (the user's chat if Telegram no longer
    says, as for a very old message)."""
    if query.message is None:
        return query.from_user.id, None
    return query.message.chat.id, query.message.message_id
