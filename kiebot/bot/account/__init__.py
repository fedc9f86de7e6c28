"""The user's own corner of the bot: /help and the command menu, /history, /settings
(with deleting one's data) and /cancel. Thin handlers over `kiebot.account`."""

from __future__ import annotations

from aiogram import Router

from kiebot.bot.account import cancelling, guide, history, settings
from kiebot.bot.account.guide import publish_commands


def account_router() -> Router:
    router = Router(name="account")
    router.include_routers(guide.router(), history.router(), settings.router(), cancelling.router())
    return router


__all__ = ["account_router", "publish_commands"]
