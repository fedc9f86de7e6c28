"""Dispatcher middlewares: per-update context, added once around every handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User
from loguru import logger

from kiebot.account import Senders
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
    """Puts the user's `language` into handler data: their choice in /settings, else
    Telegram's `language_code`. `account.Senders` also remembers it on the account, for
    messages sent outside an update, and the username, for the admin console's search;
    it touches Redis only when one of them is new to this process.
    """

    def __init__(self, senders: Senders) -> None:
        self._senders = senders

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            data["language"] = language_of(None)
            return await handler(event, data)
        data["language"] = await self._senders.seen(user.id, user.language_code, user.username)
        return await handler(event, data)
