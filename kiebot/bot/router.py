"""The bot's routers. Thin handlers: parse the update, call a service, render a text."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from kiebot.bot.texts import language_of, text


def build_router() -> Router:
    router = Router(name="kiebot")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    return router


async def start(message: Message) -> None:
    user = message.from_user
    language = language_of(user.language_code if user else None)
    name = escape(user.first_name) if user else ""
    await message.answer(text("start.greeting", language, name=name))


async def help_(message: Message) -> None:
    user = message.from_user
    await message.answer(text("help", language_of(user.language_code if user else None)))
