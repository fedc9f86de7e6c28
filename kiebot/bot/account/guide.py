"""/help with an example per kind of generation, and the bot's command menu.

Both come from the same two sources: the catalog (a kind is shown only when some model
of it is enabled, with the price of the cheapest) and `COMMANDS` with their texts, which
`publish_commands` also gives Telegram for the menu next to the input field, in each
language (Telegram shows a user the list in their app's language, English otherwise).
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.exceptions import AiogramError
from aiogram.filters import Command
from aiogram.types import BotCommand, Message
from loguru import logger

from kiebot.account import LANGUAGES
from kiebot.bot.texts import text
from kiebot.catalog import Catalog, Kind
from kiebot.delivery import Delivery

# In the order the menu shows them.
COMMANDS = ("start", "models", "buy", "balance", "history", "settings", "cancel", "help")
DEFAULT_LANGUAGE = "en"  # the menu of users whose language has no list of its own
MENU_TIMEOUT_S = 10  # a start-up nicety: never hold the start for long


def router() -> Router:
    guide_router = Router(name="guide")
    guide_router.message.register(show_help, Command("help"))
    return guide_router


async def show_help(message: Message, catalog: Catalog, delivery: Delivery, language: str) -> None:
    await delivery.send_text(message.chat.id, render_help(catalog, language))


def render_help(catalog: Catalog, language: str) -> str:
    kinds = [
        text(
            f"help.kind.{kind.value}",
            language,
            price=min(m.price_for({}) for m in models),
            button=text(f"kind.{kind.value}", language),  # as the photo's buttons say it
        )
        for kind in Kind
        if (models := catalog.models(kind=kind))
    ]
    commands = [
        text("help.command", language, command=name, description=text(f"command.{name}", language))
        for name in COMMANDS
    ]
    parts = [
        "\n\n".join([text("help.title", language), *kinds]),
        "\n".join([text("help.commands", language), *commands]),
        text("help.footer", language),
    ]
    return "\n\n".join(parts)


def menu(language: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=text(f"command.{name}", language)) for name in COMMANDS
    ]


async def publish_commands(bot: Bot) -> None:
    """Set the command menu in every language (the default list in English).

    At start-up; a failure is logged and the bot runs on, since the menu only helps
    users find the commands, which work the same without it.
    """
    try:
        for language in LANGUAGES:
            code = None if language == DEFAULT_LANGUAGE else language
            await bot.set_my_commands(
                menu(language), language_code=code, request_timeout=MENU_TIMEOUT_S
            )
    except AiogramError as exc:
        logger.warning("could not set the command menu: {}", type(exc).__name__)
