"""Dispatcher middlewares: per-update context, added once around every handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User
from loguru import logger

from kiebot.billing import Billing
from kiebot.bot.texts import language_of

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class LogContextMiddleware(BaseMiddleware):
    """Binds `update_id` and `user_id` to every log line written while an update is handled.

    `logger.contextualize` uses a context variable, so the binding follows the update's
    task and whatever it awaits, and never leaks into a concurrent update's lines.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        update_id = event.update_id if isinstance(event, Update) else None
        with logger.contextualize(update_id=update_id, user_id=user.id if user else None):
            return await handler(event, data)


class UserMiddleware(BaseMiddleware):
    """Puts the user's `language` into handler data and remembers it on the account.

    Remembered so that messages sent outside an update (a job's status, after a restart)
    speak the user's language; the write happens only when it changes.
    """

    def __init__(self, billing: Billing) -> None:
        self._billing = billing

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        language = language_of(user.language_code if user else None)
        if user is not None:
            await self._billing.remember_language(user.id, language)
        data["language"] = language
        return await handler(event, data)
